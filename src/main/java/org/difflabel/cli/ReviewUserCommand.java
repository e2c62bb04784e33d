package org.difflabel.cli;

import org.difflabel.review.ReviewerAccounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code review-user NAME}: prints the users-file line of a review UI user (for
 * {@code labeler.review.users-file}), with a salted PBKDF2 hash of the password. The password is
 * read from stdin ({@code --password-stdin}) or generated and printed once on stderr; it never
 * appears on the command line.
 */
@Command(name = "review-user", mixinStandardHelpOptions = true,
        description = "Print a users-file line for the review UI's form login (append it to labeler.review.users-file).")
public class ReviewUserCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the user name (what decisions record as reviewerId)")
    String name;

    @Option(names = "--role", split = ",", defaultValue = ReviewerAccounts.REVIEWER_ROLE,
            description = "roles, comma-separated (default: ${DEFAULT-VALUE}; the review UI needs reviewer)")
    Set<String> roles;

    @Option(names = "--password-stdin", description = "read the password from the first line of stdin instead of generating one")
    boolean passwordStdin;

    @Override
    public Integer call() throws IOException {
        String password;
        if (passwordStdin) {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (password == null || password.length() < 8) {
                throw new CommandFailure("--password-stdin: give a password of at least 8 characters on stdin", 2);
            }
        } else {
            password = ReviewerAccounts.randomPassword();
            System.err.println("password for " + name + ": " + password);
        }
        try {
            System.out.println(ReviewerAccounts.line(ReviewerAccounts.create(name, roles, password.toCharArray())));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), 2);
        }
        return 0;
    }
}
