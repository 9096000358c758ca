package com.gluu.kpi.accuracy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

/**
 * {@link InferenceIndex} against the obvious model: a {@code HashMap} from request id to
 * (ts, model, version), through growth, overwrites, forgetting and checkpoint round trips.
 */
class InferenceIndexTest {
    private static final int MAX_PARALLELISM = 128;
    private static final KeyGroupRange ALL = KeyGroupRange.of(0, MAX_PARALLELISM - 1);

    private record Inference(long ts, String model, String version) {}

    @Test
    void findsWhatWasPutAndNothingElseThroughManyGrowths() {
        InferenceIndex index = new InferenceIndex(ALL, MAX_PARALLELISM);
        Map<String, Inference> model = new HashMap<>();
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            String id = "r-" + random.nextInt(60_000); // about a third are overwrites
            Inference inference = new Inference(random.nextInt(1_000_000), "m" + random.nextInt(3), "v" + random.nextInt(2));
            assertThat(index.find(id)).isEqualTo(model.containsKey(id));
            index.put(inference.model(), inference.version(), inference.ts());
            model.put(id, inference);
        }
        assertThat(index.size()).isEqualTo(model.size());
        assertSameContent(index, model);
        assertThat(index.find("never-put")).isFalse();
        // At most 3/4 of the slots used (32 bytes each), at least 3/8 after the last doubling
        // (every key group gets about 1/128 of the ids, so all tables have doubled many times).
        assertThat(index.tableBytes()).isBetween(model.size() * 32L * 4 / 3, model.size() * 32L * 8 / 3);
    }

    @Test
    void forgetUpToDropsExactlyTheInferencesAtOrBeforeTheCutoffAndKeepsTheirModels() {
        InferenceIndex index = new InferenceIndex(ALL, MAX_PARALLELISM);
        Map<String, Inference> model = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            // The oldest inferences all belong to "retired"; it must vanish from the dictionary.
            Inference inference = new Inference(i, i < 5_000 ? "retired" : "blip2", i < 5_000 ? "" : "v" + i % 4);
            index.find("r-" + i);
            index.put(inference.model(), inference.version(), inference.ts());
            model.put("r-" + i, inference);
        }
        index.forgetUpTo(7_499);
        model.values().removeIf(inference -> inference.ts() <= 7_499);
        assertThat(index.size()).isEqualTo(12_500);
        assertSameContent(index, model);
        assertThat(index.pairCount()).as("retired is gone; blip2 v0..v3 remain").isEqualTo(4);
        // Fewer entries: the tables shrank to fit them.
        assertThat(index.tableBytes()).isLessThanOrEqualTo(12_500 * 32L * 8 / 3 + 128 * 16 * 32);

        // New inferences after a sweep go into the rebuilt tables.
        index.find("after-sweep");
        index.put("llava", "v9", 99_999);
        model.put("after-sweep", new Inference(99_999, "llava", "v9"));
        assertSameContent(index, model);

        index.forgetUpTo(Long.MAX_VALUE);
        assertThat(index.size()).isZero();
        assertThat(index.pairCount()).isZero();
        assertThat(index.find("r-10000")).isFalse();
    }

    @Test
    void keyGroupsWrittenByOneIndexAreReadByTwoThatSplitItsRange() throws IOException {
        InferenceIndex whole = new InferenceIndex(ALL, MAX_PARALLELISM);
        Map<String, Inference> model = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            Inference inference = new Inference(1_795_325_880_000L + i, i % 7 == 0 ? "llava" : "blip2", "v" + i % 5);
            whole.find("r-" + i);
            whole.put(inference.model(), inference.version(), inference.ts());
            model.put("r-" + i, inference);
        }
        InferenceIndex lower = new InferenceIndex(KeyGroupRange.of(0, 63), MAX_PARALLELISM);
        InferenceIndex upper = new InferenceIndex(KeyGroupRange.of(64, 127), MAX_PARALLELISM);
        // The upper half already knows a pair under another number: the restore must remap.
        upper.find(idInKeyGroup(100));
        upper.put("gemini", "1.5", 1L);
        for (int keyGroup = 0; keyGroup < MAX_PARALLELISM; keyGroup++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            whole.write(keyGroup, bytes);
            (keyGroup < 64 ? lower : upper).read(keyGroup, new ByteArrayInputStream(bytes.toByteArray()));
        }
        Map<String, Inference> lowerModel = new HashMap<>();
        Map<String, Inference> upperModel = new HashMap<>();
        model.forEach((id, inference) ->
                (KeyGroupRangeAssignment.assignToKeyGroup(id, MAX_PARALLELISM) < 64 ? lowerModel : upperModel).put(id, inference));
        assertSameContent(lower, lowerModel);
        assertThat(lower.size()).isEqualTo(lowerModel.size());
        // The restore of key group 100 replaced its table: the pre-restore entry is gone.
        assertSameContent(upper, upperModel);
        assertThat(upper.size()).isEqualTo(upperModel.size());
        assertThat(lowerModel.size() + upperModel.size()).isEqualTo(10_000);
    }

    @Test
    void aRequestIdOfAnotherSubtasksKeyGroupIsRefused() {
        InferenceIndex lower = new InferenceIndex(KeyGroupRange.of(0, 63), MAX_PARALLELISM);
        assertThatThrownBy(() -> lower.find(idInKeyGroup(64))).hasMessageContaining("key group 64");
    }

    @Test
    void anUnknownFormatVersionIsRefusedWithTheKeyGroup() {
        InferenceIndex index = new InferenceIndex(ALL, MAX_PARALLELISM);
        byte[] version99 = {0, 0, 0, 99};
        assertThatThrownBy(() -> index.read(5, new ByteArrayInputStream(version99)))
                .isInstanceOf(IOException.class).hasMessageContaining("99").hasMessageContaining("key group 5");
    }

    private static void assertSameContent(InferenceIndex index, Map<String, Inference> model) {
        for (Map.Entry<String, Inference> e : model.entrySet()) {
            assertThat(index.find(e.getKey())).as(e.getKey()).isTrue();
            assertThat(new Inference(index.foundTs(), index.foundModel(), index.foundModelVersion()))
                    .as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    private static String idInKeyGroup(int keyGroup) {
        for (int i = 0; ; i++) {
            if (KeyGroupRangeAssignment.assignToKeyGroup("id-" + i, MAX_PARALLELISM) == keyGroup) {
                return "id-" + i;
            }
        }
    }
}
