package org.difflabel.stream;

import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;

import java.util.List;

/**
 * The model as a run uses it: the loaded model with the configured schedule and temperature
 * ({@code labeler.model.stages}, {@code labeler.model.temperature}; null = the model's defaults).
 */
public record Scoring(LabelModel model, List<Stage> stages, Double temperature) implements Scorer {

    public Scoring {
        stages = stages == null ? null : List.copyOf(stages);
    }

    public static Scoring defaults(LabelModel model) {
        return new Scoring(model, null, null);
    }

    @Override
    public Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate) {
        return model.classify(new LabelRequest(id, image, labels, promptTemplate, stages, temperature));
    }

    /** A policy's temperature for this model replaces the configured one (it is the newer, calibrated decision). */
    @Override
    public Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate, Double policyTemperature) {
        return model.classify(new LabelRequest(id, image, labels, promptTemplate, stages,
                policyTemperature != null ? policyTemperature : temperature));
    }

    @Override
    public String modelId() {
        return model.manifest().id();
    }

    @Override
    public String modelVersion() {
        return model.manifest().version();
    }
}
