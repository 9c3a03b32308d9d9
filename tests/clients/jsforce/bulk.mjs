// The Bulk API 2.0 scenario: jsforce's conn.bulk2 creates an ingest job, uploads CSV (streamed,
// chunked), closes it, polls, and reads successful / failed / unprocessed results; then an update
// job, and a query job whose CSV results it pages by Sforce-Locator. Prints one JSON object the
// Python test checks against the sandbox.
import { loginWithClientCredentials, run } from './common.mjs';

const CONTACTS = Number(process.env.JSFORCE_BULK_CONTACTS || 1500);
const POLL = { pollInterval: 50, pollTimeout: 120000 };

async function collect(recordStream) {
  const records = [];
  await new Promise((resolve, reject) => {
    recordStream.on('record', (record) => records.push(record));
    recordStream.on('end', resolve);
    recordStream.on('error', reject);
  });
  return records;
}

run(async () => {
  const { conn } = await loginWithClientCredentials();
  const account = await conn.sobject('Account').create({ Name: 'Acme Industrial' });

  const rows = [];
  for (let i = 0; i < CONTACTS; i += 1) {
    rows.push({
      LastName: `Bulk ${String(i).padStart(5, '0')}`,
      Email: `bulk${i}@acme.example`,
      AccountId: account.id,
      s_c__Can_Purchase_For_Account__c: i % 2 === 0,
    });
  }
  rows.push({ LastName: 'Broken', Email: 'not-an-email' });
  rows.push({ Email: 'nolastname@acme.example' });
  const inserted = await conn.bulk2.loadAndWaitForResults({
    object: 'Contact',
    operation: 'insert',
    input: rows,
    ...POLL,
  });
  const failedCodes = inserted.failedResults.map((r) => r.sf__Error.split(':')[0]).sort();

  const updates = inserted.successfulResults.slice(0, 100).map((r) => ({
    Id: r.sf__Id,
    FirstName: 'Updated',
  }));
  const updated = await conn.bulk2.loadAndWaitForResults({
    object: 'Contact',
    operation: 'update',
    input: updates,
    ...POLL,
  });

  const queried = await collect(
    await conn.bulk2.query(
      "SELECT Id, Email, FirstName, Account.Name FROM Contact WHERE FirstName = 'Updated'",
      POLL,
    ),
  );
  const all = await collect(await conn.bulk2.query('SELECT Id FROM Contact', POLL));
  const jobs = await conn.request(`/services/data/v${conn.version}/jobs/ingest`);

  return {
    created: inserted.successfulResults.length,
    createdFlags: [...new Set(inserted.successfulResults.map((r) => r.sf__Created))],
    failedCodes,
    unprocessed: inserted.unprocessedRecords.length,
    updated: updated.successfulResults.length,
    updateFailures: updated.failedResults.length,
    queried: queried.length,
    queriedAccounts: [...new Set(queried.map((r) => r['Account.Name']))],
    queriedIds: queried.map((r) => r.Id).sort(),
    updatedIds: updates.map((r) => r.Id).sort(),
    total: all.length,
    ingestJobs: jobs.records.map((j) => [j.operation, j.state, j.numberRecordsProcessed]),
  };
});
