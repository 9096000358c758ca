package com.gluu.kpi.config;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Prices for {@code kpi.cost} (SPEC §4), read from {@code jobs/pricing.yaml} (SPEC §7 format), in USD:
 *
 * <pre>
 * llm:                     # per 1M tokens, by llm.model
 *   gpt-4o: {input: 2.50, output: 10.00}
 * sagemaker:               # per instance-hour, by instance_type
 *   ml.g5.xlarge: 1.408
 * fargate:                 # per hour
 *   vcpu_hour: 0.04048
 *   memory_gb_hour: 0.004445
 * </pre>
 *
 * <p>Every section is optional; an LLM entry needs both {@code input} and {@code output}, a
 * {@code fargate} section needs both of its fields. Unknown sections and fields, and numbers that
 * are negative, not finite or not numbers, fail at load with a message naming the file and the
 * entry. A model or instance type that is not in the table has no price: the lookups return
 * {@code null} and the caller counts it as unpriced (SPEC §7), never silently.
 *
 * <p>Immutable and {@link Serializable}, so it can be shipped inside Flink functions.
 */
public final class PricingTable implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String LLM = "llm";
    static final String SAGEMAKER = "sagemaker";
    static final String FARGATE = "fargate";
    static final String VCPU_HOUR = "vcpu_hour";
    static final String MEMORY_GB_HOUR = "memory_gb_hour";

    /** Price of one LLM in USD per 1M tokens. */
    public static final class LlmPrice implements Serializable {
        private static final long serialVersionUID = 1L;
        private final double inputPerMillion;
        private final double outputPerMillion;

        public LlmPrice(double inputPerMillion, double outputPerMillion) {
            this.inputPerMillion = inputPerMillion;
            this.outputPerMillion = outputPerMillion;
        }

        /** USD per 1M prompt (input) tokens. */
        public double inputPerMillion() {
            return inputPerMillion;
        }

        /** USD per 1M completion (output) tokens. */
        public double outputPerMillion() {
            return outputPerMillion;
        }

        /** USD for one call: prompt × input price + completion × output price. */
        public double usd(long promptTokens, long completionTokens) {
            return (promptTokens * inputPerMillion + completionTokens * outputPerMillion) / 1_000_000d;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LlmPrice && ((LlmPrice) o).inputPerMillion == inputPerMillion
                    && ((LlmPrice) o).outputPerMillion == outputPerMillion;
        }

        @Override
        public int hashCode() {
            return Objects.hash(inputPerMillion, outputPerMillion);
        }

        @Override
        public String toString() {
            return "{input: " + inputPerMillion + ", output: " + outputPerMillion + "}";
        }
    }

    private final Map<String, LlmPrice> llm;
    private final Map<String, Double> sagemaker;
    private final boolean fargatePriced;
    private final double fargateVcpuHourUsd;
    private final double fargateMemoryGbHourUsd;

    private PricingTable(Map<String, LlmPrice> llm, Map<String, Double> sagemaker, boolean fargatePriced,
            double fargateVcpuHourUsd, double fargateMemoryGbHourUsd) {
        this.llm = Collections.unmodifiableMap(new LinkedHashMap<>(llm));
        this.sagemaker = Collections.unmodifiableMap(new LinkedHashMap<>(sagemaker));
        this.fargatePriced = fargatePriced;
        this.fargateVcpuHourUsd = fargateVcpuHourUsd;
        this.fargateMemoryGbHourUsd = fargateMemoryGbHourUsd;
    }

    /** A table with no prices at all (everything unpriced). */
    /** The default price file, also packaged in the jar. */
    static final String BUNDLED = "jobs/pricing.yaml";

    public static PricingTable empty() {
        return new PricingTable(Map.of(), Map.of(), false, 0, 0);
    }

    /**
     * Reads and validates a price file. A missing or unreadable file fails naming the key
     * {@code pricing.file}; a bad entry fails naming the file and the entry, e.g.
     * {@code jobs/pricing.yaml: llm.gpt-4o.output: -1 is negative}.
     */
    public static PricingTable load(Path file) {
        Object root = YamlFiles.read(file, JobConfig.PRICING_FILE.key());
        return parse(file.toString(), root);
    }

    /**
     * The job's price table: the file {@code pricing.file} names; if that is the default
     * {@code jobs/pricing.yaml} and no such file is in the working directory, the copy of it that
     * ships in the jar (so {@code java -jar} works from any folder). Any other missing file fails.
     */
    public static PricingTable forJob(JobConfig config) {
        YamlFiles.Document d = YamlFiles.readJobFile(Path.of(config.get(JobConfig.PRICING_FILE)), BUNDLED,
                JobConfig.PRICING_FILE.key());
        return parse(d.source(), d.root());
    }

    /** Validates an already parsed document; {@code source} starts every message. */
    static PricingTable parse(String source, Object root) {
        if (root == null) {
            throw new ConfigException(source + ": empty file; expected sections " + Set.of(LLM, SAGEMAKER, FARGATE));
        }
        Map<String, Object> top = YamlFiles.mapping(source, root);
        YamlFiles.onlyKnown(top, Set.of(LLM, SAGEMAKER, FARGATE), k -> source + ": " + k);

        Map<String, LlmPrice> llm = new LinkedHashMap<>();
        if (top.get(LLM) != null) {
            for (Map.Entry<String, Object> e : YamlFiles.mapping(source + ": " + LLM, top.get(LLM)).entrySet()) {
                String where = source + ": " + LLM + "." + e.getKey();
                Map<String, Object> entry = YamlFiles.mapping(where, e.getValue());
                YamlFiles.onlyKnown(entry, Set.of("input", "output"), k -> where + "." + k);
                llm.put(e.getKey(), new LlmPrice(required(where, entry, "input"), required(where, entry, "output")));
            }
        }

        Map<String, Double> sagemaker = new LinkedHashMap<>();
        if (top.get(SAGEMAKER) != null) {
            for (Map.Entry<String, Object> e : YamlFiles.mapping(source + ": " + SAGEMAKER, top.get(SAGEMAKER)).entrySet()) {
                sagemaker.put(e.getKey(), YamlFiles.nonNegative(source + ": " + SAGEMAKER + "." + e.getKey(), e.getValue()));
            }
        }

        boolean fargatePriced = false;
        double vcpu = 0;
        double memory = 0;
        if (top.get(FARGATE) != null) {
            String where = source + ": " + FARGATE;
            Map<String, Object> fargate = YamlFiles.mapping(where, top.get(FARGATE));
            YamlFiles.onlyKnown(fargate, Set.of(VCPU_HOUR, MEMORY_GB_HOUR), k -> where + "." + k);
            vcpu = required(where, fargate, VCPU_HOUR);
            memory = required(where, fargate, MEMORY_GB_HOUR);
            fargatePriced = true;
        }
        return new PricingTable(llm, sagemaker, fargatePriced, vcpu, memory);
    }

    private static double required(String where, Map<String, Object> entry, String field) {
        if (!entry.containsKey(field) || entry.get(field) == null) {
            throw new ConfigException(where + "." + field + ": missing");
        }
        return YamlFiles.nonNegative(where + "." + field, entry.get(field));
    }

    /** The price of an LLM by {@code llm.model}, or {@code null} when it is not in the table (unpriced). */
    public LlmPrice llm(String model) {
        return model == null ? null : llm.get(model);
    }

    /** USD per instance-hour of a SageMaker {@code instance_type}, or {@code null} when it is not in the table (unpriced). */
    public Double instanceHourUsd(String instanceType) {
        return instanceType == null ? null : sagemaker.get(instanceType);
    }

    /** Whether the file has a {@code fargate} section; without it, Fargate time is unpriced. */
    public boolean fargatePriced() {
        return fargatePriced;
    }

    /** USD per vCPU-hour on Fargate; 0 when {@link #fargatePriced()} is false. */
    public double fargateVcpuHourUsd() {
        return fargateVcpuHourUsd;
    }

    /** USD per GB-hour of memory on Fargate; 0 when {@link #fargatePriced()} is false. */
    public double fargateMemoryGbHourUsd() {
        return fargateMemoryGbHourUsd;
    }

    /** Every priced LLM, in file order. */
    public Map<String, LlmPrice> llmPrices() {
        return llm;
    }

    /** Every priced instance type, in file order. */
    public Map<String, Double> instanceHourPrices() {
        return sagemaker;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PricingTable)) {
            return false;
        }
        PricingTable t = (PricingTable) o;
        return llm.equals(t.llm) && sagemaker.equals(t.sagemaker) && fargatePriced == t.fargatePriced
                && fargateVcpuHourUsd == t.fargateVcpuHourUsd && fargateMemoryGbHourUsd == t.fargateMemoryGbHourUsd;
    }

    @Override
    public int hashCode() {
        return Objects.hash(llm, sagemaker, fargatePriced, fargateVcpuHourUsd, fargateMemoryGbHourUsd);
    }

    @Override
    public String toString() {
        return "PricingTable{llm=" + llm + ", sagemaker=" + sagemaker
                + (fargatePriced ? ", fargate={vcpu_hour: " + fargateVcpuHourUsd + ", memory_gb_hour: "
                        + fargateMemoryGbHourUsd + "}" : ", fargate=unpriced") + "}";
    }
}
