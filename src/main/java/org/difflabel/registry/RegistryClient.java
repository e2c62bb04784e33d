package org.difflabel.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The few calls of the Confluent Schema Registry REST API the serde needs, on
 * {@link java.net.http.HttpClient}. Network errors and 5xx answers are retried with exponential
 * backoff and then raise {@link RegistryUnavailableException}; 4xx answers are not retried.
 * Schemas fetched by id are cached for the life of the client: an id never changes its schema.
 * Thread-safe.
 */
public class RegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SUBJECT_NOT_FOUND = 40401;
    private static final int VERSION_NOT_FOUND = 40402;
    private static final int SCHEMA_NOT_FOUND = 40403;

    private final RegistrySettings settings;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public RegistryClient(RegistrySettings settings) {
        this.settings = settings;
        // registries speak HTTP/1.1; this also skips the client's h2c upgrade attempt on plain http
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout());
        if (settings.sslContext() != null) {
            builder.sslContext(settings.sslContext());
        }
        this.http = builder.build();
        this.authorization = settings.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (settings.username() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** Registers {@code schema} under {@code subject} (a no-op if already there) and returns its id. */
    public int register(String subject, Schema schema) {
        return register(subject, schema.toString(), List.of());
    }

    /** Registers schema text that uses types from other subjects, and returns its id. */
    public int register(String subject, String schema, List<SchemaReference> references) {
        String request = "register under " + subject;
        HttpResponse<String> response = post("/subjects/" + encode(subject) + "/versions", schemaBody(schema, references));
        if (response.statusCode() == 409) {
            // Apicurio answers 409 "already exists" to the loser of two first registrations racing
            // (two stream threads, replicas starting together); Confluent answers 409 to an
            // incompatible schema. Either way, a schema now under the subject is the answer.
            OptionalInt winner = lookup(subject, schema, references);
            if (winner.isPresent()) {
                return winner.getAsInt();
            }
        }
        return json(request, response).get("id").asInt();
    }

    /** The id of {@code schema} under {@code subject}, or empty when the subject or the schema is not registered. */
    public OptionalInt lookup(String subject, Schema schema) {
        return lookup(subject, schema.toString(), List.of());
    }

    private OptionalInt lookup(String subject, String schema, List<SchemaReference> references) {
        HttpResponse<String> response = post("/subjects/" + encode(subject), schemaBody(schema, references));
        if (isNotFound(response, SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(json("look up in " + subject, response).get("id").asInt());
    }

    /**
     * The schema registered with {@code id}, its references resolved.
     *
     * @throws UnknownSchemaIdException when the registry has no such id (error code 40403; a bare 404,
     *                                   e.g. from a wrong base URL, is a {@link RegistryRequestException})
     */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        HttpResponse<String> response = get("/schemas/ids/" + id);
        if (isNotFound(response, SCHEMA_NOT_FOUND)) {
            throw new UnknownSchemaIdException(id, errorBody(response).path("message").asText(response.body()));
        }
        JsonNode body = json("fetch schema id " + id, response);
        Schema.Parser parser = new Schema.Parser();
        parseReferences(parser, body.path("references"), new HashSet<>());
        Schema schema = parser.parse(body.get("schema").asText());
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    /**
     * Whether {@code schema} may be registered under {@code subject} by the subject's compatibility
     * rules; a subject with no versions yet accepts anything.
     */
    public boolean isCompatible(String subject, Schema schema) {
        HttpResponse<String> response = post("/compatibility/subjects/" + encode(subject) + "/versions/latest",
                schemaBody(schema.toString(), List.of()));
        if (isNotFound(response, SUBJECT_NOT_FOUND, VERSION_NOT_FOUND)) {
            return true;
        }
        return json("check compatibility with " + subject, response).get("is_compatible").asBoolean();
    }

    /** The registry's global compatibility level. */
    public CompatibilityLevel compatibility() {
        return CompatibilityLevel.valueOf(json("get config", get("/config")).get("compatibilityLevel").asText());
    }

    /** Sets the registry's global compatibility level. */
    public void setCompatibility(CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        json("set config", send(request("/config").PUT(HttpRequest.BodyPublishers.ofString(body.toString()))));
    }

    /** Parses referenced schemas (their own references first) into {@code parser}, each subject version once. */
    private void parseReferences(Schema.Parser parser, JsonNode references, Set<String> parsed) {
        for (JsonNode reference : references) {
            String subject = reference.get("subject").asText();
            int version = reference.get("version").asInt();
            if (!parsed.add(subject + "/" + version)) {
                continue;
            }
            JsonNode referenced = json("fetch reference " + subject + " version " + version,
                    get("/subjects/" + encode(subject) + "/versions/" + version));
            parseReferences(parser, referenced.path("references"), parsed);
            parser.parse(referenced.get("schema").asText());
        }
    }

    private static String schemaBody(String schema, List<SchemaReference> references) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema);
        if (!references.isEmpty()) {
            ArrayNode refs = body.putArray("references");
            for (SchemaReference ref : references) {
                refs.addObject().put("name", ref.name()).put("subject", ref.subject()).put("version", ref.version());
            }
        }
        return body.toString();
    }

    private HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    private HttpResponse<String> post(String path, String body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(settings.url() + path))
                .timeout(settings.requestTimeout())
                .header("Content-Type", CONTENT_TYPE)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        Duration backoff = settings.initialBackoff();
        Exception lastFailure = null;
        for (int attempt = 0; attempt <= settings.maxRetries(); attempt++) {
            if (attempt > 0) {
                sleep(backoff, request);
                Duration doubled = backoff.multipliedBy(2);
                backoff = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() < 500) {
                    return response;
                }
                lastFailure = new IOException("HTTP " + response.statusCode() + ": " + response.body());
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException(describe(request) + " interrupted", e);
            }
        }
        throw new RegistryUnavailableException(describe(request) + " failed after " + (settings.maxRetries() + 1)
                + " attempts: " + lastFailure, lastFailure);
    }

    private static void sleep(Duration backoff, HttpRequest request) {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException(describe(request) + " interrupted", e);
        }
    }

    private static String describe(HttpRequest request) {
        return request.method() + " " + request.uri();
    }

    /** The body of a 2xx answer; anything else is a refusal. */
    private static JsonNode json(String request, HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            JsonNode error = errorBody(response);
            throw new RegistryRequestException(request, response.statusCode(),
                    error.path("error_code").asInt(response.statusCode()),
                    error.path("message").asText(response.body()));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new RegistryRequestException(request, response.statusCode(), response.statusCode(),
                    "answer is not JSON: " + response.body());
        }
    }

    private static boolean isNotFound(HttpResponse<String> response, int... errorCodes) {
        if (response.statusCode() != 404) {
            return false;
        }
        int errorCode = errorBody(response).path("error_code").asInt();
        for (int code : errorCodes) {
            if (code == errorCode) {
                return true;
            }
        }
        return false;
    }

    /** A Confluent error body ({@code error_code}, {@code message}), or an empty node when the body is not one. */
    private static JsonNode errorBody(HttpResponse<String> response) {
        if (response.statusCode() / 100 == 2) {
            return JSON.missingNode();
        }
        try {
            JsonNode node = JSON.readTree(response.body());
            return node == null ? JSON.missingNode() : node;
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
