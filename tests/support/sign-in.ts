import { expect } from 'vitest';
import { graphql } from './graphql.ts';

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id } } }`;

/** Signs a seeded user in through the router; returns headers that carry their token. */
export async function signIn(routerUrl: string, email: string, password: string) {
  const response = await graphql<{ login: { token: string; user: { id: string } } }>(routerUrl, LOGIN, {
    email,
    password,
  });
  expect(response.body.errors).toBeUndefined();
  const { token, user } = response.body.data!.login;
  return { userId: user.id, headers: { authorization: `Bearer ${token}` } };
}

export const signInAda = (routerUrl: string) => signIn(routerUrl, 'ada@example.com', 'customer-password');
export const signInGrace = (routerUrl: string) => signIn(routerUrl, 'grace@example.com', 'customer-password');
export const signInStaff = (routerUrl: string) => signIn(routerUrl, 'staff@example.com', 'staff-password');
