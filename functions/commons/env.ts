/** Environment variables, read once at cold start, failing fast with the variable's name. */
export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
  return value;
}
