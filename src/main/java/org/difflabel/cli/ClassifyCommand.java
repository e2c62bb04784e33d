package org.difflabel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.DiffusionClassifier;
import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Schedule;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code classify --model DIR --labels a,b,c [--json] IMAGE...}: one posterior per image. A bad
 * image is reported on stderr and the others are still classified; the exit status is then 1.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify images against a label vocabulary and print each posterior.")
public class ClassifyCommand extends ModelCommand {
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--labels", required = true, split = ",", paramLabel = "LABEL",
            description = "comma-separated label vocabulary (class names, or words filled into the prompt template)")
    List<String> labels;

    @Option(names = "--prompt-template", description = "text models: prompt per label, {label} is replaced")
    String promptTemplate;

    @Option(names = "--id", description = "request id seeding the noise (default: the image's file name)")
    String id;

    @Option(names = "--json", description = "one JSON object per image on stdout")
    boolean json;

    @Option(names = "--top", defaultValue = "5", description = "labels shown per image in text output (default: ${DEFAULT-VALUE})")
    int top;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG files")
    List<Path> images;

    @Override
    int run() throws Exception {
        PrintStream out = System.out;
        int failed = 0;
        try (LabelModel m = model.load(config)) {
            Schedule schedule = model.schedule(config, m);
            for (Path image : images) {
                try {
                    byte[] bytes = Files.readAllBytes(image);
                    String requestId = id != null ? id : image.getFileName().toString();
                    long start = System.nanoTime();
                    Posterior p = m.classify(new LabelRequest(requestId, bytes, labels, promptTemplate, schedule,
                            model.temperature(config), model.budget(config)), progress(image, start));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    out.println(json ? toJson(image, requestId, m, p, seconds) : toText(image, p, seconds));
                } catch (NoSuchFileException e) {
                    failed++;
                    System.err.println("error: " + image + ": no such file");
                } catch (IOException e) {
                    failed++;
                    System.err.println("error: " + image + ": cannot read: " + e.getMessage());
                } catch (ClassificationException e) {
                    failed++;
                    System.err.println("error: " + image + ": " + e.code() + ": " + e.getMessage());
                }
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Long images (big models, big vocabularies) report progress on stderr every few seconds. */
    private static DiffusionClassifier.Progress progress(Path image, long start) {
        long[] last = {start};
        return (stage, done, planned) -> {
            long now = System.nanoTime();
            if (now - last[0] > 3_000_000_000L && done < planned) {
                last[0] = now;
                System.err.printf(Locale.ROOT, "  %s: stage %d, %d/%d evaluations (%.0f%%), %.0f s%n", image, stage + 1,
                        done, planned, 100.0 * done / planned, (now - start) / 1e9);
            }
        };
    }

    static String toJson(Path image, String requestId, LabelModel m, Posterior p, double seconds) {
        ObjectNode o = JSON.createObjectNode();
        o.put("image", image.toString());
        o.put("id", requestId);
        o.put("model", m.manifest().id());
        o.put("modelVersion", m.manifest().version());
        o.put("top", p.top().label());
        o.put("confidence", p.confidence());
        o.put("margin", p.margin());
        o.put("entropy", p.entropy());
        o.put("evaluations", p.evaluations());
        o.put("temperature", p.temperature());
        o.put("plan", p.plan());
        o.put("stages", p.stages().toString().replace(" ", ""));
        o.put("budgetLimited", p.budgetLimited());
        o.put("seconds", seconds);
        ArrayNode post = o.putArray("posterior");
        for (LabelScore s : p.scores()) {
            ObjectNode e = post.addObject();
            e.put("label", s.label());
            e.put("p", s.probability());
            e.put("meanError", s.meanError());
            e.put("stdError", s.standardError());
            e.put("samples", s.samples());
        }
        return o.toString();
    }

    String toText(Path image, Posterior p, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %s  (confidence %.3f, margin %.3f, entropy %.3f nats; %d evaluations, %.2f s)%n",
                image, p.top().label(), p.confidence(), p.margin(), p.entropy(), p.evaluations(), seconds));
        for (LabelScore s : p.scores().subList(0, Math.min(top, p.scores().size()))) {
            sb.append(String.format(Locale.ROOT, "    %-28s p=%.4f  err=%.5f +- %.5f  (%d samples)%n", s.label(), s.probability(),
                    s.meanError(), s.standardError(), s.samples()));
        }
        return sb.toString().stripTrailing();
    }
}
