package org.difflabel.cli;

import jakarta.inject.Inject;
import org.difflabel.config.LabelerConfig;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** A command that loads a model: shared options, and one place that turns failures into exit codes. */
abstract class ModelCommand implements Callable<Integer> {
    @Inject
    LabelerConfig config;

    @Mixin
    ModelArgs model;

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } catch (CommandFailure e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }

    /** The command's work; its return value is the exit status. */
    abstract int run() throws Exception;
}
