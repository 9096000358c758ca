package com.gluu.kpi.pipeline;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The snapshot of a hand-written serializer whose byte layout has versions: a savepoint stores
 * it next to the state, so a later build can tell which layout the bytes are in and read them
 * with that layout's serializer.
 *
 * <p><b>Resolution.</b> Flink asks the new build's snapshot about the savepoint's
 * ({@link #resolveSchemaCompatibility(TypeSerializerSnapshot)}): the same layout is compatible as
 * is; an older layout this build still reads is <em>compatible after migration</em> — Flink reads
 * the state with {@link #restoreSerializer()} of the savepoint's snapshot (a serializer of the
 * old layout) and writes it from then on with the new one; another format, or a newer layout
 * (a downgrade), is incompatible and the restore fails. A savepoint naming a layout this build
 * does not know fails already when its snapshot is read, with the layouts this build reads.
 *
 * <p><b>Snapshot bytes</b> (version {@value #VERSION}): {@code int layout}. Version
 * {@value #SIMPLE_SNAPSHOT_VERSION} is what Flink's {@code SimpleTypeSerializerSnapshot} wrote for
 * these serializers before they had layout versions (no payload); those builds wrote layout 1,
 * so such a snapshot reads as layout 1.
 *
 * <p><b>Changing a layout</b> (a field added to a type, say): give the serializer a new layout
 * number and keep a serializer for each older layout, returned by {@link #serializerFor}, which
 * reads (and writes) exactly that layout and fills what it lacks with defaults; then write the
 * new layout's fixtures ({@code WriteUpgradeFixtures}) and keep the old ones: the upgrade tests
 * restore every committed fixture with the current build.
 *
 * <p>Why not a version byte in every record: the snapshot says it once per state, and records on
 * the wire between tasks never meet another build; a byte per event would cost on the job's
 * one big shuffle.
 */
public abstract class VersionedSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {
    /** {@code SimpleTypeSerializerSnapshot}'s version: the snapshots of the builds before layouts. */
    public static final int SIMPLE_SNAPSHOT_VERSION = 3;
    /** This class's snapshot format: the layout as an int. */
    public static final int VERSION = 4;

    private int layout;

    /** @param layout the layout of the serializer this snapshot describes (Flink's no-arg constructors pass the current one) */
    protected VersionedSerializerSnapshot(int layout) {
        this.layout = layout;
    }

    /** The name of the format, the same in every build (in messages, and to recognize a snapshot of it). */
    protected abstract String format();

    /** The layout this build writes. */
    protected abstract int currentLayout();

    /** A serializer of {@code layout}, 1 ≤ layout ≤ {@link #currentLayout()}. */
    protected abstract TypeSerializer<T> serializerFor(int layout);

    /** The layout of the state this snapshot describes. */
    public final int layout() {
        return layout;
    }

    @Override
    public final int getCurrentVersion() {
        return VERSION;
    }

    @Override
    public final void writeSnapshot(DataOutputView out) throws IOException {
        out.writeInt(layout);
    }

    @Override
    public final void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
            throws IOException {
        if (readVersion == SIMPLE_SNAPSHOT_VERSION) {
            layout = 1;
        } else if (readVersion == VERSION) {
            layout = in.readInt();
        } else {
            throw new IOException(format() + " serializer snapshot has version " + readVersion
                    + "; this build reads versions " + SIMPLE_SNAPSHOT_VERSION + " and " + VERSION);
        }
        if (layout < 1 || layout > currentLayout()) {
            throw new IOException(format() + " state is in layout " + layout + "; this build reads layouts 1 to "
                    + currentLayout() + (layout > currentLayout()
                            ? " (a savepoint of a newer build cannot be restored by an older one)" : ""));
        }
    }

    @Override
    public final TypeSerializer<T> restoreSerializer() {
        return serializerFor(layout);
    }

    @Override
    public final TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
        if (!(old instanceof VersionedSerializerSnapshot<?> previous) || !previous.format().equals(format())) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        if (previous.layout == layout) {
            return TypeSerializerSchemaCompatibility.compatibleAsIs();
        }
        return previous.layout < layout && previous.layout >= 1
                ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
                : TypeSerializerSchemaCompatibility.incompatible();
    }

    @Override
    public String toString() {
        return format() + " layout " + layout;
    }
}
