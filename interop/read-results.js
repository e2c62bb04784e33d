'use strict';
// Prints the committed records of a topic of the worker (labels.scored by default) from the
// beginning, decoded with the schema registry, one JSON line each, and keeps following until
// Ctrl-C: the "read the results" command the embedded demo prints.
//
//   node read-results.js <bootstrap> <registry-url> [topic]

const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

// bytes (a review task's image) as their length, not as thousands of numbers
function readable(key, value) {
  return value && value.type === 'Buffer' && Array.isArray(value.data) ? `<${value.data.length} bytes>` : value;
}

async function main(bootstrap, url, topic = 'labels.scored') {
  const registry = new SchemaRegistry({ host: url });
  const kafka = new Kafka({ clientId: 'node-results-reader', brokers: [bootstrap], logLevel: logLevel.ERROR });
  // a group of its own each time, committing nothing that matters: every run reads from the beginning
  const consumer = kafka.consumer({ groupId: `node-results-reader-${process.pid}-${Date.now()}`, readUncommitted: false });
  const stop = async () => { await consumer.disconnect().catch(() => {}); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      let value;
      try {
        value = await registry.decode(message.value);
      } catch (error) {
        value = { undecodable: `${error.message}` };
      }
      process.stdout.write(JSON.stringify({ topic, partition, offset: message.offset, ...value }, readable) + '\n');
    },
  });
}

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: read-results.js <bootstrap> <registry-url> [topic]');
  process.exit(2);
}
main(...args).catch((error) => { console.error(error); process.exit(1); });
