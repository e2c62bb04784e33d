package org.difflabel.cli;

import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.difflabel.embedded.EmbeddedKafka;
import org.difflabel.replay.TopicReader;
import org.difflabel.stream.LabelingTopics;
import org.difflabel.testsupport.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code policy show} and {@code policy set} against a real broker: a valid version is written, an invalid one is refused before anything is written. */
@QuarkusMainTest
class PolicyCommandIT {
    private static EmbeddedKafka kafka;
    private static final String TOPIC = LabelingTopics.DEFAULTS.policy();

    @BeforeAll
    static void broker() throws Exception {
        kafka = EmbeddedKafka.start(null);
        kafka.createTopics(java.util.List.of(TOPIC), 1);
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    private LaunchResult policy(QuarkusMainLauncher launcher, String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "policy";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--bootstrap-servers";
        all[args.length + 2] = kafka.bootstrapServers();
        all[args.length + 3] = "--registry-url";
        all[args.length + 4] = RegistryServer.shared().url();
        return launcher.launch(all);
    }

    private static long records() {
        return TopicReader.readAll(Map.of("bootstrap.servers", kafka.bootstrapServers()), TOPIC, r -> { });
    }

    @Test
    void setsShowsAndRefuses(QuarkusMainLauncher launcher) {
        LaunchResult empty = policy(launcher, "show");
        assertThat(empty.exitCode()).isZero();
        assertThat(empty.getOutput()).contains("no policy on labeler.policy yet");

        LaunchResult set = policy(launcher, "set", "--version", "2", "--min-confidence", "0.8",
                "--temperature", "mnist-ddpm:1.0.0=0.002", "--note", "from the review of week 48");
        assertThat(set.exitCode()).as(set.getErrorOutput()).isZero();
        assertThat(set.getOutput()).contains("published policy 2").contains("(was 1)");
        LaunchResult shown = policy(launcher, "show");
        assertThat(shown.getOutput()).contains("version 2").contains("confidence >= 0.8 and margin >= 0.5")
                .contains("temperature 0.002 for mnist-ddpm:1.0.0").contains("from the review of week 48");

        LaunchResult invalid = policy(launcher, "set", "--version", "3", "--min-confidence", "1.5");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.getErrorOutput()).contains("refused, nothing written").contains("[0, 1]");
        LaunchResult same = policy(launcher, "set", "--version", "2", "--audit-rate", "0.02");
        assertThat(same.exitCode()).isEqualTo(2);
        assertThat(same.getErrorOutput()).contains("is the one in force");
        assertThat(records()).isEqualTo(1);
        assertThat(policy(launcher, "show").getOutput()).contains("version 2");
    }
}
