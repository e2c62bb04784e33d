'use strict';
// A third-party client of the streaming worker (kafkajs + @kafkajs/confluent-schema-registry):
// produces one ImageEvent per PNG to the input topic, then reads labels.scored with
// read_committed until every event has its posterior, printing each as one JSON line.
//
//   node worker-client.js <bootstrap> <registry-url> <input-topic> <scored-topic> <labels,comma,separated> <png>...

const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

// The subject's latest schema when it exists; registering only when it does not. (kafkajs'
// register() insists that the subject's compatibility level equals its own expectation, and
// Apicurio reports NONE for a subject without a rule of its own where Confluent answers 404.)
async function imageEventSchemaId(registry, subject) {
  try {
    return await registry.getLatestSchemaId(subject);
  } catch (error) {
    if (!error || error.status !== 404) throw error;
    const schema = fs.readFileSync(path.join(__dirname, '..', 'schemas', 'ImageEvent.avsc'), 'utf8');
    return (await registry.register({ type: SchemaType.AVRO, schema }, { subject })).id;
  }
}

async function main(bootstrap, url, inputTopic, scoredTopic, labels, ...pngs) {
  const registry = new SchemaRegistry({ host: url });
  const kafka = new Kafka({ clientId: 'node-worker-client', brokers: [bootstrap], logLevel: logLevel.ERROR });
  const id = await imageEventSchemaId(registry, `${inputTopic}-value`);

  const producer = kafka.producer();
  await producer.connect();
  const ids = new Set();
  for (const png of pngs) {
    const eventId = `node-${path.basename(png)}`;
    ids.add(eventId);
    const value = await registry.encode(id, {
      eventId, image: fs.readFileSync(png), contentType: 'image/png', labels: labels.split(','),
      promptTemplate: null, labelPriors: null, metadata: { client: 'kafkajs' }, producedAt: Date.now(),
    });
    await producer.send({ topic: inputTopic, messages: [{ key: eventId, value }] });
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `node-reader-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: scoredTopic, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size}/${ids.size} posteriors after 120 s`)), 120000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const posterior = await registry.decode(message.value);
        if (!ids.has(posterior.eventId)) return;
        seen.add(posterior.eventId);
        process.stdout.write(JSON.stringify({
          eventId: posterior.eventId, topLabel: posterior.topLabel, confidence: posterior.confidence,
          decision: posterior.decision, metadata: posterior.metadata,
        }) + '\n');
        if (seen.size === ids.size) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
}

const args = process.argv.slice(2);
if (args.length < 6) {
  console.error('usage: worker-client.js <bootstrap> <registry-url> <input-topic> <scored-topic> <labels> <png>...');
  process.exit(2);
}
main(...args).then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
