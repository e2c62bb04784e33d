package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.Test;

/**
 * Stream threads (and replicas) that start together all register the output schemas on their
 * first record. Against the real registry, every one of them gets the same id and none fails:
 * the worker once shut down on Apicurio's 409 "already exists" to the loser of this race.
 */
class ConcurrentRegistrationIT {
    private static final int THREADS = 8;

    @Test
    void everyRacerOfAFirstRegistrationGetsTheSameId() throws Exception {
        RegistryClient registry = new RegistryClient(RegistrySettings.of(RegistryServer.shared().url()));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < 5; round++) {
                String subject = SampleRecords.uniqueTopic("labels.race") + "-value";
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> ids = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    ids.add(pool.submit(() -> {
                        start.await();
                        return registry.register(subject, LabelPosterior.getClassSchema());
                    }));
                }
                start.countDown();
                Set<Integer> distinct = new HashSet<>();
                for (Future<Integer> id : ids) {
                    distinct.add(id.get()); // a refused racer fails here with its RegistryRequestException
                }
                assertThat(distinct).as("ids under %s", subject).hasSize(1);
                assertThat(registry.lookup(subject, LabelPosterior.getClassSchema()))
                        .hasValue(distinct.iterator().next());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
