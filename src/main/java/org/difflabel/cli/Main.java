package org.difflabel.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import picocli.CommandLine;

/**
 * Entry point. With no arguments the app is the streaming worker; with arguments (a command,
 * {@code --help}, or a usage error) it runs the command under the {@code cli} profile, which
 * keeps the HTTP server off and logs quiet, so a command never competes with a running worker for
 * its port and prints only its results.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    @Inject
    CommandLine commandLine;

    public static void main(String... args) {
        if (args.length > 0 && System.getProperty("quarkus.profile") == null && System.getenv("QUARKUS_PROFILE") == null) {
            System.setProperty("quarkus.profile", "cli");
        }
        Quarkus.run(Main.class, args);
    }

    @Override
    public int run(String... args) {
        // a command's CommandFailure is a message for the user, not a stack trace
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CommandFailure f) {
                cmd.getErr().println("error: " + f.getMessage());
                return f.exitCode();
            }
            throw e;
        });
        return commandLine.execute(args);
    }
}
