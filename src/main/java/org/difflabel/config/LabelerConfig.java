package org.difflabel.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.difflabel.model.ExecutionProvider;
import org.difflabel.model.Fp16;
import org.difflabel.model.ImageLimits;
import org.difflabel.model.ModelOptions;

import java.util.Map;
import java.util.Optional;

/**
 * All of the labeler's settings, in one place ({@code application.properties}, environment
 * variables {@code LABELER_...}, or {@code -D}). Command-line options override them per run.
 */
@ConfigMapping(prefix = "labeler")
public interface LabelerConfig {

    /** The model and how it runs. */
    Model model();

    /** Limits checked before an image is decoded. */
    Image image();

    /** Topic names. */
    Topics topics();

    /** Which results are accepted and which go to review. */
    Policy policy();

    /** The streaming worker. */
    Worker worker();

    /** The embedded default (used when {@code kafka.bootstrap.servers} is not set). */
    Embedded embedded();

    /** The human-review UI ({@code /review}) and its queue. */
    Review review();

    interface Review {
        /** Serve {@code /review}; unset: on with the embedded broker, off against a cluster. */
        Optional<Boolean> enabled();

        /** How long a reviewer holds a task they were shown before it returns to the queue. */
        @WithDefault("PT5M")
        java.time.Duration lease();

        /** How long the page keeps a decision before sending it, so {@code u} can undo it. */
        @WithDefault("PT5S")
        java.time.Duration undoWindow();

        /** How long saving a batch of decisions may wait for Kafka before the page is told it failed (and retries). */
        @WithDefault("PT10S")
        java.time.Duration publishTimeout();

        /**
         * Users for the form login: lines {@code name:roles:pbkdf2-sha256:iterations:salt:hash}
         * (the {@code review-user} command writes them). Unset with the embedded broker: one demo
         * user with a password printed at start. Unset with OIDC: form logins are off.
         */
        Optional<String> usersFile();

        /** Tasks per page of the bulk view. */
        @WithDefault("48")
        int bulkPageSize();
    }

    interface Topics {
        /** ImageEvents to label. */
        @WithDefault("images.requested")
        String input();

        /** Every LabelPosterior. */
        @WithDefault("labels.scored")
        String scored();

        /** LabelPosteriors the policy accepts. */
        @WithDefault("labels.accepted")
        String accepted();

        /** ReviewTasks. */
        @WithDefault("labels.review")
        String review();

        /** DeadLetters. */
        @WithDefault("images.requested.dlq")
        String dlq();

        /** Every LabelPosterior of a challenger or re-score run. */
        @WithDefault("labels.rescored")
        String rescored();

        /** DeadLetters of a challenger or re-score run (kept off the champion's dead-letter queue). */
        @WithDefault("labels.rescored.dlq")
        String rescoredDlq();

        /** LabelComparisons: challenger vs champion. */
        @WithDefault("labels.diff")
        String diff();

        /** ReviewedLabels: human decisions. */
        @WithDefault("labels.reviewed")
        String reviewed();

        /** The live triage policy (compacted; the newest valid record is in force, see {@code policy.LivePolicy}). */
        @WithDefault("labeler.policy")
        String policy();
    }

    /** Challengers and re-score runs. */
    Replay replay();

    interface Replay {
        /** How often results still waiting for the champion's result are compared again. */
        @WithDefault("PT1S")
        java.time.Duration compareInterval();

        /** How long a challenger result waits for the champion's before it stays NO_CHAMPION_RESULT. */
        @WithDefault("PT168H")
        java.time.Duration pendingRetention();

        /** How often a re-score prints its progress on stderr. */
        @WithDefault("PT5S")
        java.time.Duration progressInterval();
    }

    interface Policy {
        /** Stamped on every output. */
        @WithDefault("1")
        String version();

        /** Accept only if the top probability is at least this. */
        @WithDefault("0.9")
        double minConfidence();

        /** Accept only if top minus runner-up is at least this. */
        @WithDefault("0.5")
        double minMargin();

        /** Accept only if the entropy (nats) is at most this; unset: not checked. */
        Optional<Double> maxEntropy();

        /**
         * Share of the results the thresholds accept that go to review anyway as audit samples
         * (reason AUDIT_SAMPLE), chosen deterministically by event id; 0 = no audit. Human labels on
         * accepted results are what lets the error among them be measured (e.g. 0.02).
         */
        @WithDefault("0")
        double auditRate();

        /** Overrides by top label: {@code labeler.policy.labels."<label>".min-confidence=...} etc. */
        Map<String, LabelThresholds> labels();

        interface LabelThresholds {
            Optional<Double> minConfidence();

            Optional<Double> minMargin();

            Optional<Double> maxEntropy();
        }
    }

    interface Worker {
        /**
         * Kafka Streams application id: the consumer group and transactional id prefix of the
         * champion. A challenger and a re-score run derive theirs from it and the model's id and
         * version ({@code <id>-challenger-<model>-<version>}, {@code <id>-rescore-<model>-<version>}).
         */
        @WithDefault("diffusion-labeler")
        String applicationId();

        /**
         * {@code champion}: the model in production (labels.scored, labels.accepted, labels.review);
         * {@code challenger}: a shadow on live traffic writing only labels.rescored and labels.diff.
         */
        @WithDefault("champion")
        org.difflabel.stream.Role role();

        /**
         * Stream threads; each classifies one record at a time. 0 = one per core (cores / intra-op
         * threads when those are set): events in parallel on one core each beat one event on all
         * cores by 15-20% in events/s on a 2-core CPU, at twice the latency (BENCHMARKS.md). Threads beyond the input partitions idle.
         */
        @WithDefault("0")
        int streamThreads();

        /**
         * Attempts at labelling one record that fails in a way that is not bad input and not an
         * unreachable registry or broker (a native error on one odd image, a bug): after this many,
         * the record is dead-lettered as INTERNAL_ERROR and the partition moves on.
         */
        @WithDefault("3")
        int maxRecordAttempts();

        /** Records per poll: 1, since one record can take seconds. */
        @WithDefault("1")
        int maxPollRecords();

        /** Longest gap between polls before the group evicts the worker (10 min: room for a slow image). */
        @WithDefault("600000")
        int maxPollIntervalMs();

        /** Longest transaction: it spans one record's outputs and offset commit (must exceed the slowest image). */
        @WithDefault("300000")
        int transactionTimeoutMs();

        /**
         * How often the transaction commits (outputs become visible to read_committed readers then).
         * Under exactly-once every commit is a transaction round trip; 1 s amortises it over several
         * records (Kafka Streams' exactly-once default is 100 ms).
         */
        @WithDefault("1000")
        int commitIntervalMs();

        /** Schema registry URL (Confluent API); required with an external cluster. */
        Optional<String> registryUrl();

        /**
         * Retries of a registry call that cannot reach the registry (backoff 0.2 s doubling to 5 s):
         * 30 rides out about 2 minutes inside the record. Only then does the stream thread fail and
         * get replaced, which costs a consumer session timeout (45 s) before the record is retried.
         */
        @WithDefault("30")
        int registryMaxRetries();

        /** Registry basic-auth user and secret. */
        Optional<String> registryUser();

        Optional<String> registryPassword();

        /** Trust store (PKCS12 or JKS) for a registry served over TLS with a private CA; unset: the JVM's. */
        Optional<String> registryTruststore();

        Optional<String> registryTruststorePassword();

        /** Create missing topics at start (external clusters; the embedded broker always does). */
        @WithDefault("false")
        boolean createTopics();

        /** Partitions of topics the worker creates (at least its stream threads). */
        @WithDefault("2")
        int partitions();

        /**
         * Replication factor of topics the worker creates on an external cluster; unset: 3. The
         * single-node embedded broker always uses 1.
         */
        Optional<Short> replicationFactor();

        /** {@code min.insync.replicas} of topics the worker creates; unset: 2 with 3 or more replicas, else the broker's. */
        Optional<Integer> minInsyncReplicas();

        /**
         * Any other Kafka Streams or client property, passed through, e.g.
         * {@code labeler.worker.kafka."security.protocol"=SASL_SSL} or
         * {@code labeler.worker.kafka."sasl.jaas.config"=...}.
         */
        Map<String, String> kafka();
    }

    interface Embedded {
        /**
         * Where the embedded broker and registry keep their data (topics, offsets, results, schemas),
         * so a restart carries on where the last run stopped; relative paths are resolved against the
         * working directory. One running instance per folder; delete it to start afresh.
         */
        @WithDefault("embedded-data")
        String dataDir();

        /** The embedded broker's port when free, else the next free one up; 0: any free port. */
        @WithDefault("9092")
        int kafkaPort();

        /** The embedded schema registry's port when free, else the next free one up; 0: any free port. */
        @WithDefault("8081")
        int registryPort();

        /** The unpacked Apicurio Registry the embedded default runs. */
        @WithDefault("target/apicurio-registry")
        String registryHome();

        /** Publish the shipped sample images (and a few bad records) at start, and print every output. */
        @WithDefault("true")
        boolean demo();
    }

    interface Model {
        /** Model folder holding {@code model.json}; relative paths are resolved against the working directory. */
        @WithDefault("onnx-models/mnist-ddpm")
        String path();

        /** ONNX Runtime threads per call; 0 = all cores (the worker: cores / stream threads). */
        @WithDefault("0")
        int intraOpThreads();

        /** Largest (label x sample) batch per network call. 256 keeps a 2-core CPU busy with the shipped models. */
        @WithDefault("256")
        int batchSize();

        /** Text embeddings kept in the LRU cache (per model version and prompt). */
        @WithDefault("1024")
        int embeddingCacheSize();

        /** Largest vocabulary one request may carry. */
        @WithDefault("1000")
        int maxLabels();

        /** {@code auto} (CUDA when usable, else CPU with a warning), {@code cuda} (fail fast without a GPU) or {@code cpu}. */
        @WithDefault("auto")
        String executionProvider();

        /** CUDA device id. */
        @WithDefault("0")
        int deviceId();

        /**
         * float16 networks where the model folder has them: {@code auto} (on CUDA), {@code on} or
         * {@code off}. Asking for a precision the folder lacks fails at load.
         */
        @WithDefault("auto")
        String fp16();

        /** Overrides the manifest's calibrated temperature. */
        Optional<Double> temperature();

        /**
         * Overrides the model's default plan: stages, e.g. {@code 16:3,64:1} ({@code samples:keep,...}),
         * a flat {@code 64}, or sequential elimination, {@code sequential} (the model's plan) or e.g.
         * {@code sequential:block=8,min=8,max=64,alpha=0.01}.
         */
        Optional<String> stages();

        /**
         * Most noise-prediction evaluations per event (0: no limit); a request that reaches it returns
         * the posterior it has, marked budget-limited, and the policy sends it to review.
         */
        @WithDefault("0")
        long maxEvaluations();

        /**
         * Optional latency budget per event (e.g. {@code 2s}), checked between blocks; like
         * max-evaluations, but a time limit makes the result depend on the machine's speed.
         */
        Optional<java.time.Duration> latencyBudget();

        /** The per-event budget these settings describe. */
        default org.difflabel.classifier.Budget budget() {
            return new org.difflabel.classifier.Budget(maxEvaluations(), latencyBudget().orElse(null));
        }
    }

    interface Image {
        /** Largest encoded image in bytes (20 MiB). */
        @WithDefault("20971520")
        long maxBytes();

        /** Largest width x height, checked from the header before decoding (4096 x 4096). */
        @WithDefault("16777216")
        long maxPixels();

        /**
         * Images by reference ({@code ImageEvent.imageUri}): where they may be read from and how.
         * Every allowlist is empty by default, and an empty allowlist refuses every reference of its kind.
         */
        Reference reference();
    }

    interface Reference {
        /** Hosts http(s) references (and every redirect) may name, exact, e.g. {@code images.example.com}. */
        Optional<java.util.List<String>> allowedHosts();

        /** Buckets s3 references may name. */
        Optional<java.util.List<String>> allowedBuckets();

        /**
         * Let an allowed host resolve to a loopback address (127.0.0.0/8, ::1). Off: refused as
         * IMAGE_REF_BLOCKED_ADDRESS. For tests and sidecars only.
         */
        @WithDefault("false")
        boolean allowLoopback();

        /**
         * Let an allowed host resolve to a private address (10/8, 172.16/12, 192.168/16, 100.64/10,
         * fc00::/7): a store inside the cluster. Link-local (169.254.0.0/16: cloud metadata), multicast and
         * unspecified addresses are always refused.
         */
        @WithDefault("false")
        boolean allowPrivateNetworks();

        /** The one folder file:// references may read under (symbolic links out of it refused); unset: file:// refused. */
        Optional<String> fileRoot();

        /** Connection timeout per attempt (http(s) and S3). */
        @WithDefault("PT2S")
        java.time.Duration connectTimeout();

        /** Longest wait for the next bytes of an answer (http(s) and S3). */
        @WithDefault("PT10S")
        java.time.Duration readTimeout();

        /** Redirects followed per http(s) reference, each to an allowed host. */
        @WithDefault("3")
        int maxRedirects();

        /**
         * Tries of a read that fails transiently (timeout, connection refused, 5xx, 429, throttling) inside
         * the record, with backoff; after the last, the record fails like an unreachable registry (never
         * dead-lettered) and is processed again.
         */
        @WithDefault("4")
        int maxAttempts();

        /** First pause between tries, doubled each time up to {@code max-retry-backoff}. */
        @WithDefault("PT0.2S")
        java.time.Duration retryBackoff();

        @WithDefault("PT5S")
        java.time.Duration maxRetryBackoff();

        /** The S3 service of s3:// references. */
        S3 s3();

        interface S3 {
            /** Endpoint of an S3-compatible store (e.g. {@code http://minio:9000}); unset: AWS for the region. */
            Optional<String> endpoint();

            @WithDefault("us-east-1")
            String region();

            /** Path-style addressing ({@code endpoint/bucket/key}), which most S3-compatible stores need. */
            @WithDefault("false")
            boolean pathStyle();

            /** Static credentials; unset: the AWS default provider chain (environment, profile, web identity, instance role). */
            Optional<String> accessKeyId();

            Optional<String> secretAccessKey();
        }
    }

    /** The settings of images by reference, with the inline images' byte and pixel limits. */
    default org.difflabel.images.FetchSettings imageFetchSettings() {
        Reference r = image().reference();
        var s3 = new org.difflabel.images.FetchSettings.S3(r.s3().endpoint().map(java.net.URI::create), r.s3().region(),
                r.s3().pathStyle(), r.s3().accessKeyId(), r.s3().secretAccessKey());
        return new org.difflabel.images.FetchSettings(java.util.Set.copyOf(r.allowedHosts().orElse(java.util.List.of())),
                java.util.Set.copyOf(r.allowedBuckets().orElse(java.util.List.of())), r.allowLoopback(),
                r.allowPrivateNetworks(), r.fileRoot().map(java.nio.file.Path::of), image().maxBytes(), image().maxPixels(),
                r.connectTimeout(),
                r.readTimeout(), r.maxRedirects(), r.maxAttempts(), r.retryBackoff(), r.maxRetryBackoff(), s3);
    }

    /** The triage policy these settings describe. */
    default org.difflabel.stream.TriagePolicy triagePolicy() {
        var defaults = new org.difflabel.stream.TriagePolicy.Thresholds(policy().minConfidence(), policy().minMargin(),
                policy().maxEntropy().orElse(null));
        Map<String, org.difflabel.stream.TriagePolicy.Thresholds> overrides = new java.util.HashMap<>();
        policy().labels().forEach((label, t) -> overrides.put(label, new org.difflabel.stream.TriagePolicy.Thresholds(
                t.minConfidence().orElse(defaults.minConfidence()), t.minMargin().orElse(defaults.minMargin()),
                t.maxEntropy().orElse(defaults.maxEntropy()))));
        return new org.difflabel.stream.TriagePolicy(policy().version(), defaults, overrides, policy().auditRate());
    }

    /** The worker's stream threads: as set, or one per core (per intra-op group when those are set). */
    default int streamThreads() {
        if (worker().streamThreads() > 0) {
            return worker().streamThreads();
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, model().intraOpThreads()));
    }

    /** The model options for one-at-a-time commands: intra-op threads as set, or all cores. */
    default ModelOptions modelOptions() {
        return modelOptions(1);
    }

    /** The model options for {@code callers} threads classifying at once: the cores are split between them. */
    default ModelOptions modelOptions(int callers) {
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = model().intraOpThreads() > 0 ? model().intraOpThreads() : Math.max(1, cores / callers);
        return new ModelOptions(threads, model().batchSize(), model().embeddingCacheSize(),
                new ImageLimits(image().maxBytes(), image().maxPixels()), model().maxLabels(),
                ExecutionProvider.parse(model().executionProvider()), model().deviceId(), Fp16.parse(model().fp16()));
    }
}
