// An S3-compatible server on 127.0.0.1 (port 0: any free one), objects under the folder given.
// Prints "s3 endpoint http://127.0.0.1:PORT" once listening; runs until killed.
// Usage: node server.js DIR [BUCKET...]   (credentials: access key S3RVER, secret S3RVER)
const S3rver = require('s3rver');
const [dir, ...buckets] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node server.js DIR [BUCKET...]');
  process.exit(2);
}
new S3rver({ address: '127.0.0.1', port: Number(process.env.S3_PORT || 0), directory: dir, silent: true,
  configureBuckets: buckets.map((name) => ({ name })) })
  .run()
  .then(({ address, port }) => console.log(`s3 endpoint http://${address}:${port}`))
  .catch((e) => { console.error(e); process.exit(1); });
