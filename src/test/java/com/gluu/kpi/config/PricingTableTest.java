package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PricingTableTest {
    private static final Path SHIPPED = Path.of("jobs/pricing.yaml");

    @TempDir
    Path dir;

    @Test
    void shippedTableLoadsWithTheListPrices() {
        PricingTable t = PricingTable.load(SHIPPED);

        assertThat(t.llm("gpt-4o").inputPerMillion()).isEqualTo(2.50);
        assertThat(t.llm("gpt-4o").outputPerMillion()).isEqualTo(10.00);
        assertThat(t.llm("gemini-1.5-flash").inputPerMillion()).isEqualTo(0.075);
        assertThat(t.llm("gemini-1.5-flash").outputPerMillion()).isEqualTo(0.30);
        assertThat(t.instanceHourUsd("ml.g5.xlarge")).isEqualTo(1.408);
        assertThat(t.instanceHourUsd("ml.g5.2xlarge")).isEqualTo(1.515);
        assertThat(t.fargatePriced()).isTrue();
        assertThat(t.fargateVcpuHourUsd()).isEqualTo(0.04048);
        assertThat(t.fargateMemoryGbHourUsd()).isEqualTo(0.004445);
    }

    @Test
    void unknownModelsAndInstanceTypesAreUnpriced() {
        PricingTable t = PricingTable.load(SHIPPED);

        assertThat(t.llm("claude-9")).isNull();
        assertThat(t.llm(null)).isNull();
        assertThat(t.instanceHourUsd("ml.p5.48xlarge")).isNull();
        assertThat(t.instanceHourUsd(null)).isNull();
    }

    @Test
    void llmPriceIsPerMillionTokens() {
        PricingTable.LlmPrice gpt4o = PricingTable.load(SHIPPED).llm("gpt-4o");

        // 1 200 prompt tokens × 2.50 $/M + 300 completion tokens × 10 $/M = 0.003 + 0.003
        assertThat(gpt4o.usd(1_200, 300)).isCloseTo(0.006, within(1e-12));
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        PricingTable t = PricingTable.load(SHIPPED);

        PricingTable copy = roundTrip(t);

        assertThat(copy).isEqualTo(t);
        assertThat(copy.llm("gpt-4o").outputPerMillion()).isEqualTo(10.00);
    }

    @Test
    void sectionsAreOptionalAndWithoutFargateItIsUnpriced() {
        PricingTable t = load("llm:\n  gpt-4o: {input: 2.5, output: 10}\n");

        assertThat(t.llm("gpt-4o").outputPerMillion()).isEqualTo(10.0);
        assertThat(t.instanceHourUsd("ml.g5.xlarge")).isNull();
        assertThat(t.fargatePriced()).isFalse();
        assertThat(t.fargateVcpuHourUsd()).isZero();
    }

    @Test
    void zeroIsAValidPrice() {
        PricingTable t = load("sagemaker:\n  ml.t3.medium: 0\n");

        assertThat(t.instanceHourUsd("ml.t3.medium")).isEqualTo(0.0);
    }

    @Test
    void missingFileNamesTheConfigKey() {
        assertThatThrownBy(() -> PricingTable.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pricing.file")
                .hasMessageContaining("nope.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "negative output price      | 'llm:\n  gpt-4o: {input: 2.5, output: -1}\n'         | pricing.yaml: llm.gpt-4o.output: -1 is negative",
        "negative input price       | 'llm:\n  gpt-4o: {input: -0.5, output: 1}\n'         | pricing.yaml: llm.gpt-4o.input: -0.5 is negative",
        "text instead of a number   | 'llm:\n  gpt-4o: {input: cheap, output: 1}\n'        | pricing.yaml: llm.gpt-4o.input: expected a number, got 'cheap'",
        "quoted number              | 'sagemaker:\n  ml.g5.xlarge: \"1.408\"\n'              | pricing.yaml: sagemaker.ml.g5.xlarge: expected a number",
        "missing output             | 'llm:\n  gpt-4o: {input: 2.5}\n'                       | pricing.yaml: llm.gpt-4o.output: missing",
        "unknown LLM field          | 'llm:\n  gpt-4o: {input: 2.5, output: 10, cached: 1}\n' | pricing.yaml: llm.gpt-4o.cached: unknown field",
        "LLM price not a mapping    | 'llm:\n  gpt-4o: 2.5\n'                                | pricing.yaml: llm.gpt-4o: expected a mapping",
        "negative instance price    | 'sagemaker:\n  ml.g5.xlarge: -1.408\n'                | pricing.yaml: sagemaker.ml.g5.xlarge: -1.408 is negative",
        "boolean instance price     | 'sagemaker:\n  ml.g5.xlarge: true\n'                  | pricing.yaml: sagemaker.ml.g5.xlarge: expected a number",
        "negative Fargate vCPU      | 'fargate:\n  vcpu_hour: -0.04\n  memory_gb_hour: 0.004\n' | pricing.yaml: fargate.vcpu_hour: -0.04 is negative",
        "missing Fargate memory     | 'fargate:\n  vcpu_hour: 0.04048\n'                    | pricing.yaml: fargate.memory_gb_hour: missing",
        "unknown Fargate field      | 'fargate:\n  vcpu_hour: 0.04\n  memory_gb_hour: 0.004\n  storage_gb_hour: 0.0001\n' | pricing.yaml: fargate.storage_gb_hour: unknown field",
        "unknown top-level section  | 'bedrock:\n  claude: {input: 3, output: 15}\n'        | pricing.yaml: bedrock: unknown field",
        "section not a mapping      | 'sagemaker: [ml.g5.xlarge]\n'                         | pricing.yaml: sagemaker: expected a mapping",
        "duplicate model            | 'llm:\n  gpt-4o: {input: 2.5, output: 10}\n  gpt-4o: {input: 5, output: 15}\n' | gpt-4o",
        "document not a mapping     | '- gpt-4o\n'                                          | pricing.yaml: expected a mapping",
        "empty document             | ''                                                    | pricing.yaml: empty file",
    })
    void badEntriesFailNamingFileAndEntry(String name, String yaml, String message) {
        assertThatThrownBy(() -> load(yaml.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    private PricingTable load(String yaml) {
        try {
            Path file = dir.resolve("pricing.yaml");
            Files.writeString(file, yaml);
            return PricingTable.load(file);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
