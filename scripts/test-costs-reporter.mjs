// A node:test reporter for run-tests.mjs --unit: how long each test file's
// tests took (the sum of its top-level tests, in ms), written as one JSON
// object when the run ends. run-tests.mjs merges it into
// .tmp/run-tests/costs.json and starts the longest files first next time.
// data.file is the file that declared the test, also inside a batch process.
export default async function* testCosts(source) {
  const costs = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (nesting !== 0 || !file || typeof details?.duration_ms !== 'number') continue;
    costs[file] = (costs[file] ?? 0) + details.duration_ms;
  }
  yield JSON.stringify(costs);
}
