package org.difflabel.stream;

import org.difflabel.classifier.Budget;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Schedule;
import org.difflabel.model.LabelModel;
import org.difflabel.model.LabelRequest;

import java.util.List;

/**
 * The model as a run uses it: the loaded model with the configured plan, temperature and budget
 * ({@code labeler.model.stages}, {@code labeler.model.temperature}, {@code labeler.model.max-evaluations}
 * / {@code latency-budget}; null = the model's defaults, no budget).
 */
public record Scoring(LabelModel model, Schedule schedule, Double temperature, Budget budget) implements Scorer {

    public Scoring(LabelModel model, List<org.difflabel.classifier.Stage> stages, Double temperature) {
        this(model, stages == null ? null : new Schedule.Staged(stages), temperature, null);
    }

    public static Scoring defaults(LabelModel model) {
        return new Scoring(model, (Schedule) null, null, null);
    }

    @Override
    public Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate) {
        return classify(id, image, labels, promptTemplate, null);
    }

    /** A policy's temperature for this model replaces the configured one (it is the newer, calibrated decision). */
    @Override
    public Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate, Double policyTemperature) {
        return model.classify(new LabelRequest(id, image, labels, promptTemplate, schedule,
                policyTemperature != null ? policyTemperature : temperature, budget));
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
