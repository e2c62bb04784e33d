package org.difflabel.deploy;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import org.difflabel.config.LabelerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.difflabel.deploy.Manifests.at;
import static org.difflabel.deploy.Manifests.doc;
import static org.difflabel.deploy.Manifests.yaml;

/**
 * The compose file and the Kubernetes manifests cannot be started here (no Docker engine, no
 * cluster), so they are kept correct by checking them against the application: every
 * environment variable and ConfigMap key is a real setting (and binds when given), probe paths
 * and ports are the app's, the KEDA consumer group is the Kafka Streams application id, and image
 * names agree across files.
 */
class DeploymentManifestsTest {
    private static final Path K8S = Path.of("k8s");

    /** Every configuration property of the app as environment-variable names (maps as prefixes). */
    private static final Set<String> LEAF_ENV = new TreeSet<>();
    private static final Set<String> MAP_ENV_PREFIXES = new TreeSet<>();

    static {
        collect(LabelerConfig.class, "labeler");
        LEAF_ENV.add(env("kafka.bootstrap.servers"));
        LEAF_ENV.add(env("quarkus.log.console.json.enabled"));
        LEAF_ENV.add(env("quarkus.otel.exporter.otlp.endpoint"));
    }

    private static void collect(Class<?> type, String prefix) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.isDefault() || m.isSynthetic() || m.getParameterCount() > 0) {
                continue;
            }
            String name = prefix + "." + kebab(m.getName());
            Class<?> r = m.getReturnType();
            if (r == Map.class) {
                MAP_ENV_PREFIXES.add(env(name) + "_");
            } else if (r.isInterface() && r.getName().startsWith("org.difflabel")) {
                collect(r, name);
            } else {
                LEAF_ENV.add(env(name));
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** SmallRye's rule: non-alphanumerics become '_', upper case. */
    private static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static boolean isSetting(String envName) {
        return LEAF_ENV.contains(envName) || MAP_ENV_PREFIXES.stream().anyMatch(envName::startsWith);
    }

    private static Map<String, String> configMap() throws IOException {
        return at(doc(K8S.resolve("base/configmap.yaml")), "data");
    }

    private static Map<String, Object> workerContainer() throws IOException {
        return at(doc(K8S.resolve("base/deployment.yaml")), "spec", "template", "spec", "containers", 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> composeWorkerEnv() throws IOException {
        return at(doc(Path.of("docker-compose.yml")), "services", "worker", "environment");
    }

    @Test
    void everyEnvironmentVariableIsARealSetting() throws IOException {
        Map<String, String> all = new LinkedHashMap<>(configMap());
        all.putAll(composeWorkerEnv());
        List<Map<String, Object>> deploymentEnv = at(workerContainer(), "env");
        deploymentEnv.forEach(e -> all.put((String) e.get("name"), String.valueOf(e.getOrDefault("value", "secret"))));
        Map<String, String> gpuCompose = at(doc(Path.of("docker-compose.gpu.yml")), "services", "worker", "environment");
        all.putAll(gpuCompose);
        List<String> literals = at(doc(K8S.resolve("overlays/gpu/kustomization.yaml")), "configMapGenerator", 0, "literals");
        literals.forEach(l -> all.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));

        assertThat(all).isNotEmpty();
        for (String name : all.keySet()) {
            assertThat(isSetting(name)).as("%s is not a configuration property of the app", name).isTrue();
        }
    }

    @Test
    void environmentVariablesBindToTheTypedConfiguration() throws IOException {
        Map<String, String> env = new HashMap<>(configMap());
        env.put("LABELER_WORKER_KAFKA__SECURITY_PROTOCOL_", "SASL_SSL");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new io.smallrye.config.EnvConfigSource(env, 300) { })
                .withMapping(LabelerConfig.class)
                .build();
        LabelerConfig c = config.getConfigMapping(LabelerConfig.class);
        assertThat(c.worker().applicationId()).isEqualTo(env.get("LABELER_WORKER_APPLICATION_ID"));
        assertThat(c.model().path()).isEqualTo(env.get("LABELER_MODEL_PATH"));
        assertThat(c.model().executionProvider()).isEqualTo("cpu");
        assertThat(c.topics().dlq()).isEqualTo("images.requested.dlq");
        assertThat(c.policy().minConfidence()).isEqualTo(0.9);
        assertThat(c.worker().kafka()).containsEntry("security.protocol", "SASL_SSL");
        // the pod's CPU limit holds every stream thread's ONNX Runtime threads, no more
        int cpuLimit = Integer.parseInt(at(doc(K8S.resolve("base/deployment.yaml")), "spec", "template", "spec",
                "containers", 0, "resources", "limits", "cpu"));
        assertThat(c.streamThreads() * c.modelOptions(c.streamThreads()).intraOpThreads()).isEqualTo(cpuLimit);
        assertThat(config.getOptionalValue("kafka.bootstrap.servers", String.class))
                .contains(env.get("KAFKA_BOOTSTRAP_SERVERS"));
    }

    @Test
    void probesAndMetricsUseTheAppsEndpointsAndPort() throws IOException {
        Map<String, Object> c = workerContainer();
        assertThat((int) at(c, "ports", 0, "containerPort")).isEqualTo(8080);
        assertThat((String) at(c, "startupProbe", "httpGet", "path")).isEqualTo("/q/health/started");
        assertThat((String) at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/q/health/live");
        assertThat((String) at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/q/health/ready");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat((String) at(c, probe, "httpGet", "port")).isEqualTo(at(c, "ports", 0, "name"));
        }
        Map<String, Object> service = doc(K8S.resolve("base/service.yaml"));
        assertThat((String) at(service, "metadata", "annotations", "prometheus.io/path")).isEqualTo("/q/metrics");
        assertThat((String) at(service, "metadata", "annotations", "prometheus.io/port")).isEqualTo("8080");
        assertThat((String) at(doc(Path.of("docker-compose.yml")), "services", "worker", "ports", 0)).isEqualTo("8080:8080");
    }

    @Test
    void kedaScalesTheWorkersConsumerGroupWithinThePartitions() throws IOException {
        Map<String, Object> trigger = at(doc(K8S.resolve("base/scaledobject.yaml")), "spec", "triggers", 0, "metadata");
        assertThat((String) at(trigger, "consumerGroup")).isEqualTo(configMap().get("LABELER_WORKER_APPLICATION_ID"))
                .isEqualTo(defaultOf("applicationId"));
        assertThat((String) at(trigger, "topic")).isEqualTo(configMap().get("LABELER_TOPICS_INPUT"));
        assertThat((String) at(trigger, "bootstrapServers")).isEqualTo(configMap().get("KAFKA_BOOTSTRAP_SERVERS"));
        int maxReplicas = at(doc(K8S.resolve("base/scaledobject.yaml")), "spec", "maxReplicaCount");
        String input = configMap().get("LABELER_TOPICS_INPUT");
        int inputPartitions = yaml(K8S.resolve("base/kafkatopics.yaml")).stream()
                .filter(t -> at(t, "metadata", "name").equals(input))
                .map(t -> (int) at(t, "spec", "partitions")).findFirst().orElseThrow();
        int streamThreads = Integer.parseInt(configMap().get("LABELER_WORKER_STREAM_THREADS"));
        assertThat(maxReplicas * streamThreads).isLessThanOrEqualTo(inputPartitions);
        List<String> topicNames = yaml(K8S.resolve("base/kafkatopics.yaml")).stream()
                .map(t -> (String) at(t, "metadata", "name")).toList();
        assertThat(topicNames).containsExactlyInAnyOrder(configMap().get("LABELER_TOPICS_INPUT"),
                configMap().get("LABELER_TOPICS_SCORED"), configMap().get("LABELER_TOPICS_ACCEPTED"),
                configMap().get("LABELER_TOPICS_REVIEW"), configMap().get("LABELER_TOPICS_DLQ"),
                configMap().get("LABELER_TOPICS_RESCORED"), configMap().get("LABELER_TOPICS_RESCORED_DLQ"),
                configMap().get("LABELER_TOPICS_DIFF"), configMap().get("LABELER_TOPICS_REVIEWED"),
                configMap().get("LABELER_TOPICS_POLICY"));
    }

    @Test
    void logsAreJsonWhereMachinesReadThemAndPlainForPeople() throws IOException {
        assertThat(configMap()).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
        assertThat(composeWorkerEnv()).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
        for (String image : List.of("src/main/docker/Dockerfile.jvm", "src/main/docker/Dockerfile.gpu")) {
            assertThat(Files.readString(Path.of(image))).as(image).contains("QUARKUS_LOG_CONSOLE_JSON_ENABLED=true");
        }
        assertThat(Files.readString(Path.of("src/main/resources/application.properties")))
                .contains("quarkus.log.console.json.enabled=false");
    }

    @Test
    void tracesAreOffUntilAnEndpointIsSetAndTheManifestsShowWhichVariableSetsIt() throws IOException {
        // off by default: an active endpoint would switch the SDK on (TracingSwitch)
        assertThat(configMap()).doesNotContainKey(OTLP_ENDPOINT);
        assertThat(composeWorkerEnv()).doesNotContainKey(OTLP_ENDPOINT);
        assertThat(isSetting(OTLP_ENDPOINT)).isTrue();
        // ... and each file shows it, commented, with a collector the NetworkPolicy lets the pod reach
        List<Integer> collectorPorts = new ArrayList<>();
        List<Map<String, Object>> egress = at(doc(K8S.resolve("base/networkpolicy.yaml")), "spec", "egress");
        egress.stream().filter(rule -> String.valueOf(rule.get("to")).contains("opentelemetry-collector"))
                .forEach(rule -> ((List<Map<String, Object>>) rule.get("ports"))
                        .forEach(port -> collectorPorts.add((Integer) port.get("port"))));
        for (Path file : List.of(K8S.resolve("base/configmap.yaml"), Path.of("docker-compose.yml"))) {
            var example = java.util.regex.Pattern.compile("#\\s*" + OTLP_ENDPOINT + ":\\s*http://[^:\\s]+:(\\d+)")
                    .matcher(Files.readString(file));
            assertThat(example.find()).as("%s shows %s", file, OTLP_ENDPOINT).isTrue();
            assertThat(collectorPorts).as(file.toString()).contains(Integer.parseInt(example.group(1)));
        }
    }

    private static final String OTLP_ENDPOINT = "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT";

    @Test
    void composeCreatesTopicsThatItsSingleBrokerCanHold() throws IOException {
        assertThat(composeWorkerEnv()).containsEntry("LABELER_WORKER_CREATE_TOPICS", "true")
                .containsEntry("LABELER_WORKER_REPLICATION_FACTOR", "1");
    }

    @Test
    void imageNamesAgreeAcrossFiles() throws IOException {
        Map<String, Object> base = doc(K8S.resolve("base/kustomization.yaml"));
        String name = at(base, "images", 0, "name");
        assertThat((String) at(workerContainer(), "image")).isEqualTo(name);
        String image = at(base, "images", 0, "newName") + ":" + at(base, "images", 0, "newTag");
        assertThat((String) at(doc(Path.of("docker-compose.yml")), "services", "worker", "image")).isEqualTo(image);
        Map<String, Object> gpu = doc(K8S.resolve("overlays/gpu/kustomization.yaml"));
        String gpuImage = at(gpu, "images", 0, "newName") + ":" + at(gpu, "images", 0, "newTag");
        assertThat((String) at(gpu, "images", 0, "name")).isEqualTo(name);
        assertThat((String) at(doc(Path.of("docker-compose.gpu.yml")), "services", "worker", "image")).isEqualTo(gpuImage);
        assertThat(gpuImage).isEqualTo(image + "-gpu");
    }

    @Test
    void gpuOverlayAsksForAGpuAndRunsOneStreamThreadOnCuda() throws IOException {
        Map<String, Object> patch = doc(K8S.resolve("overlays/gpu/gpu-patch.yaml"));
        Map<String, Object> limits = at(patch, "spec", "template", "spec", "containers", 0, "resources", "limits");
        assertThat(limits).containsEntry("nvidia.com/gpu", 1);
        assertThat((Map<String, Object>) at(patch, "spec", "template", "spec", "nodeSelector")).isNotEmpty();
        List<String> literals = at(doc(K8S.resolve("overlays/gpu/kustomization.yaml")), "configMapGenerator", 0, "literals");
        assertThat(literals).contains("LABELER_MODEL_EXECUTION_PROVIDER=cuda", "LABELER_WORKER_STREAM_THREADS=1");
        Map<String, Object> devices = at(doc(Path.of("docker-compose.gpu.yml")), "services", "worker", "deploy", "resources",
                "reservations", "devices", 0);
        assertThat(devices).containsEntry("driver", "nvidia");
    }

    @Test
    void everyResourceTheKustomizationListsExists() throws IOException {
        List<String> resources = at(doc(K8S.resolve("base/kustomization.yaml")), "resources");
        for (String r : resources) {
            assertThat(K8S.resolve("base").resolve(r)).exists();
            for (Map<String, Object> d : yaml(K8S.resolve("base").resolve(r))) {
                assertThat(d).containsKeys("apiVersion", "kind", "metadata");
            }
        }
        assertThat(K8S.resolve("overlays/gpu/gpu-patch.yaml")).exists();
    }

    @Test
    void containerImagesRunAsNonRootOfflineWithAModel() throws IOException {
        for (String f : List.of("src/main/docker/Dockerfile.jvm", "src/main/docker/Dockerfile.gpu")) {
            String d = Files.readString(Path.of(f));
            assertThat(d).as(f).contains("USER 185").contains("DJL_OFFLINE=true").contains("EXPOSE 8080")
                    .contains("LABELER_MODEL_PATH=/deployments/models/mnist-ddpm")
                    .contains("COPY --chown=185 onnx-models/mnist-ddpm/ /deployments/models/mnist-ddpm/");
        }
        assertThat(Files.readString(Path.of("src/main/docker/Dockerfile.gpu"))).contains("cudnn");
        assertThat(configMap().get("LABELER_MODEL_PATH")).isEqualTo("/deployments/models/mnist-ddpm");
    }

    private static String defaultOf(String workerProperty) {
        try {
            return LabelerConfig.Worker.class.getMethod(workerProperty).getAnnotation(WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
