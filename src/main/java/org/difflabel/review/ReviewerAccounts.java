package org.difflabel.review;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The form login's users: name, roles and a salted PBKDF2-SHA256 hash of the password, one per
 * line of a users file ({@code name:role1,role2:pbkdf2-sha256:iterations:salt:hash}, salt and
 * hash in base64; {@code #} starts a comment). Passwords are never stored or logged in clear.
 */
public final class ReviewerAccounts {
    public static final String REVIEWER_ROLE = "reviewer";
    static final int ITERATIONS = 210_000;
    private static final String ALGORITHM = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One user: roles and the hash of their password. */
    public record Account(String name, Set<String> roles, int iterations, byte[] salt, byte[] hash) {
    }

    private final Map<String, Account> accounts;

    private ReviewerAccounts(Map<String, Account> accounts) {
        this.accounts = Map.copyOf(accounts);
    }

    public static ReviewerAccounts none() {
        return new ReviewerAccounts(Map.of());
    }

    public static ReviewerAccounts of(List<Account> accounts) {
        Map<String, Account> m = new LinkedHashMap<>();
        accounts.forEach(a -> m.put(a.name(), a));
        return new ReviewerAccounts(m);
    }

    /** Reads a users file; a malformed line is an error naming its line number (not its content: it holds a hash). */
    public static ReviewerAccounts read(Path file) throws IOException {
        Map<String, Account> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            try {
                if (f.length != 6 || !f[2].equals(ALGORITHM) || f[0].isBlank()) {
                    throw new IllegalArgumentException("expected name:roles:" + ALGORITHM + ":iterations:salt:hash");
                }
                m.put(f[0], new Account(f[0], Set.of(f[1].split(",")), Integer.parseInt(f[3]),
                        Base64.getDecoder().decode(f[4]), Base64.getDecoder().decode(f[5])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("users file " + file + ", line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new ReviewerAccounts(m);
    }

    /** A new account for {@code name} with {@code password}, hashed with a fresh salt. */
    public static Account create(String name, Set<String> roles, char[] password) {
        if (name.isBlank() || name.contains(":") || roles.stream().anyMatch(r -> r.contains(":") || r.contains(","))) {
            throw new IllegalArgumentException("user names and roles cannot be blank or contain ':' (roles: ',')");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new Account(name, Set.copyOf(roles), ITERATIONS, salt, hash(password, salt, ITERATIONS));
    }

    /** The users-file line of {@code a}. */
    public static String line(Account a) {
        return a.name() + ":" + String.join(",", a.roles()) + ":" + ALGORITHM + ":" + a.iterations() + ":"
                + Base64.getEncoder().encodeToString(a.salt()) + ":" + Base64.getEncoder().encodeToString(a.hash());
    }

    /** A random password for generated accounts: 16 characters from an unambiguous alphabet (~90 bits). */
    public static String randomPassword() {
        String alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** The account of {@code name} when {@code password} is theirs. Takes the same time for unknown names. */
    public Optional<Account> verify(String name, char[] password) {
        Account a = accounts.get(name);
        byte[] salt = a != null ? a.salt() : new byte[16];
        byte[] computed = hash(password, salt, a != null ? a.iterations() : ITERATIONS);
        return a != null && MessageDigest.isEqual(computed, a.hash()) ? Optional.of(a) : Optional.empty();
    }

    /** The account of {@code name}: for a session the login already checked (its encrypted cookie names the user). */
    public Optional<Account> find(String name) {
        return Optional.ofNullable(accounts.get(name));
    }

    public boolean isEmpty() {
        return accounts.isEmpty();
    }

    private static byte[] hash(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public String toString() {
        return "ReviewerAccounts" + Arrays.toString(accounts.keySet().toArray());
    }
}
