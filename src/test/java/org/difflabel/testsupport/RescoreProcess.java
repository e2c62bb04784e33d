package org.difflabel.testsupport;

import org.difflabel.config.LabelerConfig;
import org.difflabel.model.LabelModel;
import org.difflabel.replay.WindowResolver;
import org.difflabel.worker.LabelingAssembly;
import org.difflabel.worker.RescoreRun;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A {@code rescore} run in a JVM of its own, so a test can kill it (SIGKILL) or run two side by
 * side. Args: bootstrap servers, registry URL, model folder, window start (ISO-8601 or "earliest").
 * Settings come from {@code -Dlabeler...} as in the app. Prints "running" once the window is
 * resolved and "labelled N skipped M" at the end.
 */
public final class RescoreProcess {
    private RescoreProcess() {
    }

    public static void main(String[] args) throws Exception {
        LabelerConfig config = TestConfig.labeler(Map.of());
        try (LabelModel model = LabelModel.load(Path.of(args[2]), config.modelOptions(config.streamThreads()))) {
            LabelingAssembly assembly = LabelingAssembly.of(config, model, args[0],
                    LabelingAssembly.registry(config, args[1]));
            RescoreRun run = new RescoreRun(assembly, config.worker().kafka(), config.replay().progressInterval(),
                    System.out, System.out);
            WindowResolver.Resolved w = run.resolve(args[3].equals("earliest") ? null : Instant.parse(args[3]), null);
            System.out.println("running");
            System.out.flush();
            RescoreRun.Summary s = run.run(w.window());
            System.out.println("labelled " + s.labelled() + " skipped " + s.alreadyDone());
        }
        System.exit(0);
    }
}
