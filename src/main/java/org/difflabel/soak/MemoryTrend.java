package org.difflabel.soak;

import java.util.ArrayList;
import java.util.List;

/** Memory sampled over a run: heap used after a full GC and the process's resident set, with their trend. */
public final class MemoryTrend {
    /** One sample: seconds since the run began, heap after GC and RSS in MiB. */
    public record Sample(double seconds, double heapMib, double rssMib) {
    }

    private final List<Sample> samples = new ArrayList<>();

    public synchronized void add(Sample s) {
        samples.add(s);
    }

    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /**
     * Least-squares slope in MiB per minute of the samples from {@code from} seconds on (the start-up
     * before it, when the JIT, ONNX Runtime's arenas and Kafka's buffers fill, is not a leak).
     */
    public synchronized double slopePerMinute(boolean heap, double from) {
        List<Sample> s = samples.stream().filter(x -> x.seconds() >= from).toList();
        if (s.size() < 3) {
            return Double.NaN;
        }
        double mx = s.stream().mapToDouble(Sample::seconds).average().orElseThrow();
        double my = s.stream().mapToDouble(x -> heap ? x.heapMib() : x.rssMib()).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (Sample x : s) {
            double dx = x.seconds() - mx;
            sxy += dx * ((heap ? x.heapMib() : x.rssMib()) - my);
            sxx += dx * dx;
        }
        return 60 * sxy / sxx;
    }

    /** Heap used after a full GC, in MiB (asks for the GC: a sample costs one collection). */
    public static double heapAfterGcMib() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
    }

    /** This process's resident set now, in MiB (Linux; -1 elsewhere). */
    public static double rssMib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
