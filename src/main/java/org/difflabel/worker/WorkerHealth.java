package org.difflabel.worker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Health of the worker: live while Kafka Streams has not failed (a worker that is not started,
 * e.g. a command-line run, is live); ready when the model is loaded and Kafka Streams is running.
 */
@ApplicationScoped
public class WorkerHealth {
    @Inject
    LabelingWorker worker;

    @Liveness
    HealthCheck streamsAlive() {
        return () -> {
            KafkaStreams.State s = worker.state();
            boolean up = s == null || (s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR);
            return HealthCheckResponse.named("kafka-streams").status(up).withData("state", String.valueOf(s)).build();
        };
    }

    @Readiness
    HealthCheck readyToLabel() {
        return () -> {
            if (worker.reviewOnly()) {
                return HealthCheckResponse.named("review").status(worker.reviewReady()).build();
            }
            KafkaStreams.State s = worker.state();
            boolean ready = worker.ready();
            return HealthCheckResponse.named("labeling").status(ready).withData("state", String.valueOf(s))
                    .withData("modelLoaded", worker.modelLoaded()).build();
        };
    }
}
