package com.gluu.kpi.testing;

import com.gluu.kpi.testing.OperationsTrace.EndpointChange;
import com.gluu.kpi.testing.OperationsTrace.Feedback;
import com.gluu.kpi.testing.OperationsTrace.Inference;
import com.gluu.kpi.testing.OperationsTrace.TaskChange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code kpi.accuracy}, {@code kpi.cost} and {@code kpi.endpoint_health} rows SPEC §4
 * prescribes for an {@link OperationsTrace}, computed the slow, obvious way: every window of
 * every size is visited, and each value is summed straight from the trace's events and the
 * state intervals between them. Nothing of the pipeline's code is used.
 */
public final class ExpectedOperations {
    private static final Set<String> BILLED = Set.of("InService", "Updating", "SystemUpdating", "RollingBack");

    /** (window_start, window_end, model, model_version) → {feedback, correct, partial, incorrect, Σ score}. */
    public final Map<List<Object>, double[]> accuracy = new TreeMap<>(ExpectedOperations::compareKeys);
    /** (window_start, window_end, model, endpoint) → {requests, llm, hosting, compute, total, per inference, idle}. */
    public final Map<List<Object>, double[]> cost = new TreeMap<>(ExpectedOperations::compareKeys);
    /** (window_start, window_end, endpoint) → {in_service_seconds, uptime_ratio, restarts, failures}. */
    public final Map<List<Object>, double[]> health = new TreeMap<>(ExpectedOperations::compareKeys);

    public static ExpectedOperations of(OperationsTrace trace, long[] windowSizesMs, long horizonMs, long waitMs) {
        ExpectedOperations e = new ExpectedOperations();
        long end = trace.maxTs();
        for (long size : windowSizesMs) {
            e.accuracy(trace, size, horizonMs, waitMs);
            for (long w = Math.floorDiv(trace.start, size) * size; w <= end; w += size) {
                e.health(trace, w, w + size, end);
                e.cost(trace, w, w + size, end);
            }
        }
        return e;
    }

    private void accuracy(OperationsTrace trace, long size, long horizonMs, long waitMs) {
        Map<String, Inference> byRequest = new HashMap<>();
        for (Inference i : trace.inferences) {
            byRequest.put(i.requestId, i);
        }
        for (Feedback f : trace.feedback) {
            Inference i = byRequest.get(f.requestId);
            boolean matched = i != null && i.ts >= f.ts - horizonMs && i.ts <= f.ts + waitMs;
            String model = matched ? i.model : "unmatched";
            String version = matched ? i.modelVersion : "";
            long w = Math.floorDiv(f.ts, size) * size;
            double[] row = accuracy.computeIfAbsent(List.of(w, w + size, model, version), k -> new double[5]);
            row[0]++;
            switch (f.verdict) {
                case "correct":
                    row[1]++;
                    break;
                case "partial":
                    row[2]++;
                    break;
                default:
                    row[3]++;
            }
            row[4] += f.score != null ? f.score : f.verdict.equals("correct") ? 1 : f.verdict.equals("partial") ? 0.5 : 0;
        }
    }

    /** The endpoint's state intervals: [from, to) with the change that started each. */
    private static List<Object[]> intervals(List<EndpointChange> changes, long end) {
        List<Object[]> out = new ArrayList<>();
        for (int k = 0; k < changes.size(); k++) {
            EndpointChange c = changes.get(k);
            if (c.state.equals("Deleted")) {
                break;
            }
            long to = k + 1 < changes.size() ? changes.get(k + 1).ts : end;
            out.add(new Object[] {c.ts, Math.min(to, end), c});
        }
        return out;
    }

    private static Map<String, List<EndpointChange>> byEndpoint(OperationsTrace trace) {
        Map<String, List<EndpointChange>> map = new TreeMap<>();
        for (EndpointChange c : trace.endpointChanges) {
            map.computeIfAbsent(c.endpoint, k -> new ArrayList<>()).add(c);
        }
        map.values().forEach(l -> l.sort(Comparator.comparingLong(c -> c.ts)));
        return map;
    }

    private static long overlap(long from, long to, long ws, long we) {
        return Math.max(0, Math.min(to, we) - Math.max(from, ws));
    }

    private void health(OperationsTrace trace, long ws, long we, long end) {
        for (Map.Entry<String, List<EndpointChange>> ep : byEndpoint(trace).entrySet()) {
            List<EndpointChange> changes = ep.getValue();
            long first = changes.get(0).ts;
            long last = end;
            for (EndpointChange c : changes) {
                if (c.state.equals("Deleted")) {
                    last = Math.min(last, c.ts);
                }
            }
            long observed = overlap(first, last, ws, we);
            if (observed == 0) {
                continue;
            }
            long inService = 0;
            for (Object[] iv : intervals(changes, end)) {
                if (((EndpointChange) iv[2]).state.equals("InService")) {
                    inService += overlap((long) iv[0], (long) iv[1], ws, we);
                }
            }
            long restarts = 0;
            long failures = 0;
            boolean wasInService = false;
            String previous = null;
            for (EndpointChange c : changes) {
                boolean inWindow = c.ts >= ws && c.ts < we;
                if (c.state.equals("Failed") && !"Failed".equals(previous) && inWindow) {
                    failures++;
                }
                if (c.state.equals("InService") && wasInService
                        && Set.of("Failed", "OutOfService", "Creating").contains(previous) && inWindow) {
                    restarts++;
                }
                wasInService |= c.state.equals("InService");
                previous = c.state;
            }
            health.put(List.of(ws, we, ep.getKey()),
                    new double[] {inService / 1000.0, (double) inService / observed, restarts, failures});
        }
    }

    private void cost(OperationsTrace trace, long ws, long we, long end) {
        // Requests and tokens per (service, model, endpoint).
        Map<List<String>, Long> requests = new TreeMap<>(ExpectedOperations::compareKeys);
        Map<List<String>, Double> llm = new TreeMap<>(ExpectedOperations::compareKeys);
        Map<String, Map<List<String>, Long>> serviceRequests = new TreeMap<>();
        for (Inference i : trace.inferences) {
            if (i.ts < ws || i.ts >= we) {
                continue;
            }
            List<String> row = List.of(i.model, i.endpoint);
            requests.merge(row, 1L, Long::sum);
            double[] price = OperationsTrace.llmUsdPerToken(i.llmModel);
            double usd = price == null ? 0 : i.promptTokens * price[0] + i.completionTokens * price[1];
            llm.merge(row, usd, Double::sum);
            serviceRequests.computeIfAbsent(i.service, s -> new TreeMap<>(ExpectedOperations::compareKeys))
                    .merge(row, 1L, Long::sum);
        }
        // Hosting: billed time × instance count × hourly price, per (model, endpoint).
        Map<List<String>, Double> hosting = new TreeMap<>(ExpectedOperations::compareKeys);
        for (Map.Entry<String, List<EndpointChange>> ep : byEndpoint(trace).entrySet()) {
            for (Object[] iv : intervals(ep.getValue(), end)) {
                EndpointChange c = (EndpointChange) iv[2];
                long billed = overlap((long) iv[0], (long) iv[1], ws, we);
                if (BILLED.contains(c.state) && billed > 0) {
                    hosting.merge(List.of(c.model, c.endpoint),
                            c.instanceCount * OperationsTrace.instanceHourUsd(c.instanceType) * billed / 3_600_000.0,
                            Double::sum);
                }
            }
        }
        // Fargate: RUNNING time × (vcpu × price + memory × price), per service.
        Map<String, Double> compute = new TreeMap<>();
        Map<String, List<TaskChange>> tasks = new TreeMap<>();
        for (TaskChange t : trace.taskChanges) {
            tasks.computeIfAbsent(t.taskId, k -> new ArrayList<>()).add(t);
        }
        for (List<TaskChange> changes : tasks.values()) {
            changes.sort(Comparator.comparingLong(t -> t.ts));
            for (int k = 0; k < changes.size(); k++) {
                TaskChange t = changes.get(k);
                if (!t.state.equals("RUNNING")) {
                    continue;
                }
                long to = k + 1 < changes.size() ? changes.get(k + 1).ts : end;
                long running = overlap(t.ts, Math.min(to, end), ws, we);
                if (running > 0) {
                    compute.merge(t.service, running / 1000.0 * (t.vcpu * OperationsTrace.VCPU_HOUR
                            + t.memoryGb * OperationsTrace.GB_HOUR) / 3600.0, Double::sum);
                }
            }
        }
        if (requests.isEmpty() && hosting.isEmpty() && compute.isEmpty()) {
            return;
        }

        Set<List<String>> rows = new TreeSet<>(ExpectedOperations::compareKeys);
        rows.addAll(requests.keySet());
        rows.addAll(hosting.keySet());
        double totalRequests = 0;
        double totalLlm = 0;
        double totalHosting = 0;
        double idle = 0;
        for (List<String> row : rows) {
            long n = requests.getOrDefault(row, 0L);
            double share = 0;
            for (Map.Entry<String, Double> service : compute.entrySet()) {
                Map<List<String>, Long> byRow = serviceRequests.get(service.getKey());
                if (byRow != null && byRow.containsKey(row)) {
                    long all = byRow.values().stream().mapToLong(Long::longValue).sum();
                    share += service.getValue() * byRow.get(row) / all;
                }
            }
            double l = llm.getOrDefault(row, 0.0);
            double h = hosting.getOrDefault(row, 0.0);
            double total = l + h + share;
            cost.put(List.of(ws, we, row.get(0), row.get(1)),
                    new double[] {n, l, h, share, total, n == 0 ? Double.NaN : total / n, Double.NaN});
            totalRequests += n;
            totalLlm += l;
            totalHosting += h;
            if (n == 0) {
                idle += h;
            }
        }
        double unallocated = 0;
        boolean anyUnallocated = false;
        for (Map.Entry<String, Double> service : compute.entrySet()) {
            if (!serviceRequests.containsKey(service.getKey())) {
                unallocated += service.getValue();
                anyUnallocated = true;
            }
        }
        if (anyUnallocated) {
            cost.put(List.of(ws, we, "", ""), new double[] {0, 0, 0, unallocated, unallocated, Double.NaN, Double.NaN});
        }
        double totalCompute = compute.values().stream().mapToDouble(Double::doubleValue).sum();
        double total = totalLlm + totalHosting + totalCompute;
        cost.put(List.of(ws, we, "*", "*"), new double[] {totalRequests, totalLlm, totalHosting, totalCompute, total,
                totalRequests == 0 ? Double.NaN : total / totalRequests, idle});
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<?> a, List<?> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = ((Comparable) a.get(i)).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
