package org.difflabel.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import jakarta.inject.Inject;
import org.difflabel.embedded.DataDir;
import org.difflabel.worker.LabelingWorker;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * The application's command line. Without a command it runs the streaming worker (until
 * SIGTERM); {@code classify}, {@code accuracy} and {@code bench} use the classifier alone.
 */
@TopCommand
@Command(name = "diffusion-labeler", mixinStandardHelpOptions = true,
        description = "Zero-shot image labelling with a diffusion model (Li et al., ICCV 2023). "
                + "Without a command: the streaming worker.",
        subcommands = {ClassifyCommand.class, AccuracyCommand.class, BenchCommand.class, StreamBenchCommand.class,
                EmbeddedCommand.class, RescoreCommand.class, CompareReportCommand.class, PublishCommand.class,
                ReviewExportCommand.class, ReviewImportCommand.class, ReviewUserCommand.class,
                PolicyCommand.class, CalibrateCommand.class, SweepCommand.class, SoakCommand.class})
public class LabelerCommand implements Callable<Integer> {

    @Inject
    LabelingWorker worker;

    @Override
    public Integer call() throws Exception {
        try {
            return worker.run();
        } catch (DataDir.InUseException e) {
            throw new CommandFailure(e.getMessage(), 1);
        }
    }
}
