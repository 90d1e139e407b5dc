// The one place the test helpers read the environment.
export const testEnv = {
  /** A server where tests may create and drop databases. */
  adminUrl:
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres',
};
