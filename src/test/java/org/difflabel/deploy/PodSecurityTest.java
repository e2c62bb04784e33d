package org.difflabel.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.difflabel.deploy.Manifests.at;
import static org.difflabel.deploy.Manifests.atOrNull;
import static org.difflabel.deploy.Manifests.doc;
import static org.difflabel.deploy.Manifests.yaml;

/**
 * Every workload the project ships meets the Kubernetes Pod Security Standards "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/), plus a read-only root
 * filesystem; a NetworkPolicy limits the pod's traffic; compose applies the same restrictions
 * where it can express them.
 */
class PodSecurityTest {
    private static final Set<String> RESTRICTED_VOLUME_TYPES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    @Test
    void everyWorkloadMeetsTheRestrictedProfile() throws Exception {
        List<Map<String, Object>> workloads = new java.util.ArrayList<>(yaml(Path.of("k8s/base/deployment.yaml")));
        yaml(Path.of("k8s/base/review.yaml")).stream().filter(d -> "Deployment".equals(d.get("kind"))).forEach(workloads::add);
        assertThat(workloads).isNotEmpty();
        for (Map<String, Object> w : workloads) {
            Map<String, Object> pod = at(w, "spec", "template", "spec");
            String name = at(w, "metadata", "name");
            for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
                assertThat(pod.get(host)).as(name + " " + host).isNotEqualTo(true);
            }
            List<Map<String, Object>> volumes = pod.containsKey("volumes") ? at(pod, "volumes") : List.of();
            for (Map<String, Object> v : volumes) {
                assertThat(v.keySet()).as(name + " volume " + v.get("name")).filteredOn(k -> !k.equals("name"))
                        .allMatch(RESTRICTED_VOLUME_TYPES::contains);
            }
            Object podSeccomp = atOrNull(pod, "securityContext", "seccompProfile", "type");
            Object podNonRoot = atOrNull(pod, "securityContext", "runAsNonRoot");
            Object uid = atOrNull(pod, "securityContext", "runAsUser");
            assertThat(uid).as("never uid 0").isNotEqualTo(0);
            List<Map<String, Object>> containers = at(pod, "containers");
            for (Map<String, Object> c : containers) {
                String what = name + "/" + c.get("name");
                Map<String, Object> sc = at(c, "securityContext");
                assertThat(sc.get("privileged")).as(what + " privileged").isNotEqualTo(true);
                assertThat(sc.get("allowPrivilegeEscalation")).as(what + " allowPrivilegeEscalation").isEqualTo(false);
                assertThat(List.<Object>copyOf(at(sc, "capabilities", "drop"))).as(what + " drops").contains("ALL");
                List<Object> added = atOrNull(sc, "capabilities", "add");
                assertThat(added == null ? List.of() : added).as(what + " adds").allMatch("NET_BIND_SERVICE"::equals);
                Object nonRoot = sc.containsKey("runAsNonRoot") ? sc.get("runAsNonRoot") : podNonRoot;
                assertThat(nonRoot).as(what + " runAsNonRoot").isEqualTo(true);
                Object own = atOrNull(sc, "seccompProfile", "type");
                Object seccomp = own != null ? own : podSeccomp;
                assertThat(seccomp).as(what + " seccompProfile").isIn("RuntimeDefault", "Localhost");
                assertThat(sc.get("readOnlyRootFilesystem")).as(what + " readOnlyRootFilesystem").isEqualTo(true);
                List<Map<String, Object>> ports = c.containsKey("ports") ? at(c, "ports") : List.of();
                assertThat(ports).as(what + " hostPort").allMatch(p -> !p.containsKey("hostPort"));
                List<Map<String, Object>> mounts = at(c, "volumeMounts");
                assertThat(mounts).as(what + ": /tmp is the writable place the app needs")
                        .anyMatch(m -> "/tmp".equals(m.get("mountPath")));
            }
        }
    }

    @Test
    void theGpuOverlayDoesNotLoosenIt() throws Exception {
        String patch = java.nio.file.Files.readString(Path.of("k8s/overlays/gpu/gpu-patch.yaml"));
        assertThat(patch).doesNotContain("securityContext").doesNotContain("privileged").doesNotContain("hostPath");
    }

    @Test
    void aNetworkPolicyLimitsTrafficToTheServicesTheWorkerUses() throws Exception {
        Map<String, Object> np = doc(Path.of("k8s/base/networkpolicy.yaml"));
        assertThat((List<Object>) at(np, "spec", "policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat((Map<String, Object>) at(np, "spec", "podSelector", "matchLabels"))
                .containsEntry("app.kubernetes.io/name", "diffusion-labeler");
        List<Map<String, Object>> egress = at(np, "spec", "egress");
        List<Integer> ports = egress.stream().peek(r -> assertThat(r).as("every egress rule names its peers")
                        .containsKey("to").containsKey("ports"))
                .flatMap(r -> ((List<Map<String, Object>>) r.get("ports")).stream()).map(p -> (Integer) p.get("port"))
                .toList();
        assertThat(ports).containsExactlyInAnyOrder(53, 53, 9092, 9093, 8081, 4317, 4318);
        assertThat(java.nio.file.Files.readString(Path.of("k8s/base/kustomization.yaml"))).contains("networkpolicy.yaml");
    }

    @Test
    void composeRunsTheWorkerWithTheSameRestrictions() throws Exception {
        Map<String, Object> worker = at(doc(Path.of("docker-compose.yml")), "services", "worker");
        assertThat(worker.get("read_only")).isEqualTo(true);
        assertThat(String.valueOf(worker.get("user"))).isNotIn("0", "root");
        assertThat((List<Object>) worker.get("cap_drop")).contains("ALL");
        assertThat((List<Object>) worker.get("security_opt")).contains("no-new-privileges:true");
        assertThat((List<Object>) worker.get("tmpfs")).contains("/tmp");
    }
}
