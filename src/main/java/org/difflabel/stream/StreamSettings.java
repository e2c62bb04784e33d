package org.difflabel.stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;
import java.util.Properties;

/**
 * The Kafka Streams settings the worker runs with. Defaults are chosen for slow records: one image
 * can take seconds (minutes for a big model on a CPU), so a poll fetches one record, the poll
 * interval allows for a slow batch before the member is evicted, and the transaction timeout
 * covers a whole record (the Kafka Streams defaults, 1000 records, 5 min and 10 s under
 * exactly-once, would cause rebalance storms and aborted transactions).
 *
 * @param applicationId     consumer group and transactional id prefix
 * @param bootstrapServers  the cluster
 * @param streamThreads     stream threads (each runs one record at a time; keep threads x ONNX threads <= cores)
 * @param maxPollRecords    records per poll
 * @param maxPollIntervalMs longest time between polls before the group evicts the member
 * @param transactionTimeoutMs longest open transaction; must exceed the slowest record
 * @param commitIntervalMs  how often the transaction commits
 * @param extra             any other Kafka Streams / client property, passed through (security settings)
 */
public record StreamSettings(String applicationId, String bootstrapServers, int streamThreads, int maxPollRecords,
                             int maxPollIntervalMs, int transactionTimeoutMs, int commitIntervalMs,
                             Map<String, String> extra) {

    public Properties toProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), maxPollRecords);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), maxPollIntervalMs);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), transactionTimeoutMs);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        p.putAll(extra);
        return p;
    }
}
