'use strict';
// Third-party side of RegistryInteropIT: @kafkajs/confluent-schema-registry (Confluent wire
// format on avsc) against the same registry as the Java serde.
//
//   node registry-interop.js encode-image-event <registry-url> <topic> <event.json> <out.bin>
//       registers schemas/ImageEvent.avsc under <topic>-value and writes the framed event;
//       event.json holds the record with the image as base64 and timestamps as epoch millis
//   node registry-interop.js decode <registry-url> <in.bin>
//       decodes any framed record with the schema its id names and prints it as JSON

const fs = require('fs');
const path = require('path');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

async function encodeImageEvent(registry, topic, eventFile, outFile) {
  const schema = fs.readFileSync(path.join(__dirname, '..', 'schemas', 'ImageEvent.avsc'), 'utf8');
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${topic}-value` });
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  event.image = Buffer.from(event.image, 'base64');
  fs.writeFileSync(outFile, await registry.encode(id, event));
}

async function decode(registry, inFile) {
  const record = await registry.decode(fs.readFileSync(inFile));
  process.stdout.write(JSON.stringify(record) + '\n');
}

const commands = { 'encode-image-event': encodeImageEvent, decode };
const [command, url, ...args] = process.argv.slice(2);
if (!commands[command] || !url) {
  console.error('usage: registry-interop.js encode-image-event <registry-url> <topic> <event.json> <out.bin>\n'
    + '       registry-interop.js decode <registry-url> <in.bin>');
  process.exit(2);
}
commands[command](new SchemaRegistry({ host: url }), ...args).catch((error) => {
  console.error(error);
  process.exit(1);
});
