package org.difflabel.calibration;

import java.util.Locale;
import java.util.Map;

/** The calibration outcome as Markdown: counts, weights, temperature, NLL/ECE, the threshold and what it guarantees. */
public final class CalibrationReport {
    private CalibrationReport() {
    }

    public static String markdown(String modelId, String modelVersion, ReviewEvidence e, CalibrationResult r,
                                  Calibrator.Options o) {
        StringBuilder b = new StringBuilder();
        b.append(f("# Calibration of %s %s%n%n", modelId, modelVersion));
        b.append("## Evidence\n\n| | results |\n|---|---:|\n");
        b.append(f("| results of this version on the scored topic | %d |%n", e.scored()));
        b.append(f("| in the calibration set | %d |%n", e.items().size()));
        b.append(f("| of which labelled by a review or dataset | %d |%n", e.labelled()));
        b.append(f("| of which accepted, not drawn for audit (unlabelled) | %d |%n", e.items().size() - e.labelled()));
        b.append(f("| left out: rejected in review (no label applies) | %d |%n", e.rejected()));
        b.append(f("| left out: sent to review, not reviewed yet | %d |%n", e.pendingReview()));
        b.append(f("| left out: accepted under a policy version with no audit sample | %d |%n", e.acceptedWithoutAuditRate()));
        b.append(f("| left out: probabilities not softmax(-error/T) (label priors) | %d |%n", e.withPriors()));
        b.append(f("| reviews of other model versions (not used as labels) | %d |%n", e.otherModelReviews()));
        b.append(f("%nSplit (seed %d): temperature fitted on %d labelled results; %d results (%d labelled) held out "
                + "for NLL/ECE and the threshold.%n%n", o.seed(), r.fitLabelled(), r.holdoutItems(), r.holdoutLabelled()));
        b.append("Weights of the held-out labelled results (1 / review probability):\n\n| review probability | weight | results |\n"
                + "|---:|---:|---:|\n");
        for (Map.Entry<Double, Integer> w : r.reviewProbabilities().entrySet()) {
            b.append(f("| %.4g | %.4g | %d |%n", w.getKey(), 1 / w.getKey(), w.getValue()));
        }
        b.append("\n## Temperature\n\n| | temperature | NLL | ECE (15 bins) | accuracy |\n|---|---:|---:|---:|---:|\n");
        b.append(f("| before (on the records) | %.6g | %.4f | %.4f | %.4f |%n", r.recordTemperature(), r.before().nll(),
                r.before().ece(), r.before().accuracy()));
        b.append(f("| after (fitted) | %.6g | %.4f | %.4f | %.4f |%n", r.temperature(), r.after().nll(), r.after().ece(),
                r.after().accuracy()));
        b.append("\nNLL and ECE are on the held-out part only (ECE: equal-width confidence bins (lo, hi], weighted by "
                + "1 / review probability).\n");
        RiskControl.Certification c = r.certification();
        b.append(f("%n## Auto-accept threshold (alpha %.4g, delta %.4g)%n%n", o.alpha(), o.delta()));
        b.append(f("Method: Learn-then-Test, fixed sequence from the strictest threshold, first tested %s (chosen on the fit "
                + "part), bound %s.%n%n", fmt(c.start()), c.method()));
        if (c.certified()) {
            b.append(f("**Certified threshold: confidence >= %s** (at temperature %.6g). Coverage: %.2f%% of the held-out "
                            + "results would be accepted; their estimated error %.4f, upper bound %.4f.%n%n",
                    fmt(c.threshold()), r.temperature(), 100 * c.coverage(), c.risk(), c.upperBound()));
            b.append(f("Guarantee: with probability at least %.0f%% over the reviewed results, the error rate among "
                            + "future results of %s %s with confidence >= %s at temperature %.6g is at most %.4g, as long as "
                            + "future results are exchangeable with these (same kind of images, same model version).%n",
                    100 * (1 - o.delta()), modelId, modelVersion, fmt(c.threshold()), r.temperature(), o.alpha()));
        } else {
            b.append(f("**Too few reviews to certify any threshold** at alpha %.4g, delta %.4g: nothing is certified. "
                    + "At least %d accepted results with no error are needed at the first threshold tested.%n", o.alpha(),
                    o.delta(), RiskControl.minimumAccepted(o.alpha(), o.delta(), RiskControl.maxWeight(e.items()))));
        }
        b.append("\n| threshold | accepted | labelled | errors (weighted) | risk | upper bound | p-value | certified |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
        for (RiskControl.Step s : c.steps()) {
            b.append(f("| %s | %d | %d | %.4g | %.4f | %.4f | %.3g | %s |%n", fmt(s.threshold()), s.accepted(),
                    s.labelledAccepted(), s.errors(), s.risk(), s.upperBound(), s.pValue(), s.certified() ? "yes" : "no"));
        }
        return b.toString();
    }

    /** A threshold as 1 - 10^-x where that is shorter (0.99999999 reads badly). */
    static String fmt(double lambda) {
        if (lambda > 0.999) {
            return f("1 - %.3g", 1 - lambda);
        }
        return f("%.4g", lambda);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
