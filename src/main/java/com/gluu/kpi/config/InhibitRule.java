package com.gluu.kpi.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One inhibition of the rules file (SPEC §5 "Inhibition", after Alertmanager's
 * {@code inhibit_rules}): while an episode of a source rule is firing, a new episode of a target
 * rule whose labels match is recorded and marked, but not notified.
 *
 * <p>Matching: every label of {@link #equal()} has the same value on both episodes; with
 * {@link #viaCalls()}, the target's {@code service} called the source's {@code endpoint} in the
 * target rule's window (the job sees which services call which endpoint in its traffic), which
 * is how a failed endpoint inhibits the error-rate and latency alerts of its callers.
 */
public final class InhibitRule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> sourceRules;
    private final List<String> targetRules;
    private final List<String> equal;
    private final boolean viaCalls;

    public InhibitRule(List<String> sourceRules, List<String> targetRules, List<String> equal, boolean viaCalls) {
        this.sourceRules = List.copyOf(sourceRules);
        this.targetRules = List.copyOf(targetRules);
        this.equal = List.copyOf(equal);
        this.viaCalls = viaCalls;
    }

    public List<String> sourceRules() {
        return sourceRules;
    }

    public List<String> targetRules() {
        return targetRules;
    }

    public List<String> equal() {
        return equal;
    }

    public boolean viaCalls() {
        return viaCalls;
    }

    /**
     * Whether a firing source episode (rule and labels) inhibits a new target episode, given
     * whether the target's service called the source's endpoint in its window.
     */
    public boolean inhibits(String sourceRule, Map<String, String> sourceLabels, String targetRule,
            Map<String, String> targetLabels, boolean called) {
        if (!sourceRules.contains(sourceRule) || !targetRules.contains(targetRule)) {
            return false;
        }
        for (String label : equal) {
            if (!Objects.equals(sourceLabels.get(label), targetLabels.get(label))) {
                return false;
            }
        }
        return !viaCalls || called;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof InhibitRule)) {
            return false;
        }
        InhibitRule r = (InhibitRule) o;
        return sourceRules.equals(r.sourceRules) && targetRules.equals(r.targetRules) && equal.equals(r.equal)
                && viaCalls == r.viaCalls;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sourceRules, targetRules, equal, viaCalls);
    }

    @Override
    public String toString() {
        return sourceRules + " inhibits " + targetRules + (equal.isEmpty() ? "" : " with equal " + equal)
                + (viaCalls ? " for the services calling its endpoint" : "");
    }
}
