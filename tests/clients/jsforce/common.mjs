// Shared by the jsforce scenarios: connections to the storegate sandbox, configured only from the
// environment the Python test hands over (the sandbox's env file: SF_INSTANCE_URL, SF_CONSUMER_KEY,
// SF_CONSUMER_SECRET, SF_USERNAME, SF_PASSWORD; the sandbox CA comes in NODE_EXTRA_CA_CERTS).
import jsforce from 'jsforce';

export const API_VERSION = process.env.JSFORCE_API_VERSION || '59.0';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this script from tests/clients/test_jsforce.py`);
  }
  return value;
}

function connection() {
  const instanceUrl = required('SF_INSTANCE_URL');
  return new jsforce.Connection({
    oauth2: {
      clientId: required('SF_CONSUMER_KEY'),
      clientSecret: required('SF_CONSUMER_SECRET'),
      loginUrl: instanceUrl,
    },
    loginUrl: instanceUrl,
    version: API_VERSION,
  });
}

// OAuth 2.0 client credentials flow (jsforce posts client_id and client_secret in the form body).
export async function loginWithClientCredentials() {
  const conn = connection();
  const userInfo = await conn.authorize({ grant_type: 'client_credentials' });
  return { conn, userInfo };
}

// OAuth 2.0 username-password flow (jsforce's login() with a client id and secret).
export async function loginWithPassword() {
  const conn = connection();
  const userInfo = await conn.login(required('SF_USERNAME'), required('SF_PASSWORD'));
  return { conn, userInfo };
}

// Run a scenario and print its JSON result on stdout; any failure exits 1 with the error on stderr
// (jsforce errors carry Salesforce's errorCode, printed too).
export function run(scenario) {
  scenario()
    .then((result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
    })
    .catch((err) => {
      process.stderr.write(`${err.name || 'Error'}: ${err.errorCode || ''} ${err.message}\n`);
      process.stderr.write(`${err.stack || ''}\n`);
      process.exit(1);
    });
}
