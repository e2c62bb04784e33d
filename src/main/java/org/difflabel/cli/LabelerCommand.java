package org.difflabel.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The application's command line: {@code classify}, {@code accuracy}, {@code bench}. */
@TopCommand
@Command(name = "diffusion-labeler", mixinStandardHelpOptions = true,
        description = "Zero-shot image labelling with a diffusion model (Li et al., ICCV 2023).",
        subcommands = {ClassifyCommand.class, AccuracyCommand.class, BenchCommand.class})
public class LabelerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // the streaming worker lands with the worker issue; until then the commands are the product
        spec.commandLine().usage(System.out);
    }
}
