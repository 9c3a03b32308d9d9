// The REST scenario: OAuth logins (client credentials and password), the identity URL, sObject
// Collections writes (create, update, retrieve, delete), SOQL paging (queryMore and autoFetch),
// relationship queries, COUNT(). Prints one JSON object the Python test checks against the sandbox.
import { loginWithClientCredentials, loginWithPassword, run } from './common.mjs';

const CONTACTS = Number(process.env.JSFORCE_CONTACTS || 2300);

run(async () => {
  const { conn, userInfo } = await loginWithClientCredentials();
  const identity = await conn.identity();
  const passwordLogin = await loginWithPassword();
  const limits = await passwordLogin.conn.limits();

  const accountResults = await conn.sobject('Account').create(
    [{ Name: 'Acme Industrial' }, { Name: 'Beta Co' }],
    { allOrNone: true },
  );
  const accountIds = accountResults.map((r) => r.id);

  const rows = [];
  for (let i = 0; i < CONTACTS; i += 1) {
    rows.push({
      LastName: `Buyer ${String(i).padStart(5, '0')}`,
      Email: `buyer${i}@acme.example`,
      AccountId: accountIds[i % 2],
    });
  }
  // One record that fails validation, with allOrNone false: only it fails.
  rows.push({ LastName: 'Broken', Email: 'not-an-email' });
  // allowRecursive: jsforce splits the list into Collections calls of 200 (Salesforce's limit).
  const created = await conn
    .sobject('Contact')
    .create(rows, { allOrNone: false, allowRecursive: true });
  const createdIds = created.filter((r) => r.success).map((r) => r.id);
  const failed = created.filter((r) => !r.success);

  const firstPage = await conn.query('SELECT Id, LastName, Account.Name FROM Contact ORDER BY LastName');
  const secondPage = firstPage.done ? null : await conn.queryMore(firstPage.nextRecordsUrl);
  const everything = await conn
    .query('SELECT Id FROM Contact')
    .run({ autoFetch: true, maxFetch: 100000 });

  const toUpdate = createdIds.slice(0, 250).map((Id) => ({ Id, Email: `moved.${Id}@acme.example` }));
  const updated = await conn
    .sobject('Contact')
    .update(toUpdate, { allOrNone: true, allowRecursive: true });
  // An Account id where a Contact id belongs: Salesforce answers MALFORMED_ID on field Id.
  const [wrongType] = await conn
    .sobject('Contact')
    .update([{ Id: accountIds[0], LastName: 'Nope' }], { allOrNone: false });

  const retrieved = await conn
    .sobject('Contact')
    .retrieve(createdIds.slice(0, 3), { fields: ['LastName', 'Email'] });
  const retrievedAllFields = await conn.sobject('Contact').retrieve(createdIds.slice(0, 2));

  const removed = await conn.sobject('Contact').destroy(createdIds.slice(-10), { allOrNone: true });
  const count = await conn.query('SELECT COUNT() FROM Contact');
  const withChildren = await conn.query(
    'SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 2) FROM Account ORDER BY Name',
  );

  return {
    userId: userInfo.id,
    organizationId: userInfo.organizationId,
    identityUsername: identity.username,
    passwordUserId: passwordLogin.userInfo.id,
    dailyApiMax: limits.DailyApiRequests.Max,
    accountIds,
    created: createdIds.length,
    failed: failed.map((r) => r.errors.map((e) => e.statusCode)),
    firstPage: { totalSize: firstPage.totalSize, done: firstPage.done, size: firstPage.records.length },
    firstRecordAccount: firstPage.records[0].Account.Name,
    secondPage: secondPage && { done: secondPage.done, size: secondPage.records.length },
    autoFetched: everything.records.length,
    updated: updated.filter((r) => r.success).length,
    wrongType: { success: wrongType.success, errors: wrongType.errors },
    retrieved: retrieved.map((r) => r && { LastName: r.LastName, Email: r.Email }),
    retrievedAllFieldsHaveName: retrievedAllFields.every((r) => typeof r.Name === 'string'),
    removed: removed.filter((r) => r.success).length,
    count: count.totalSize,
    children: withChildren.records.map((a) => ({
      name: a.Name,
      contacts: a.Contacts && a.Contacts.records.map((c) => c.LastName),
    })),
  };
});
