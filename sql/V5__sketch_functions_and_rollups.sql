-- Percentiles over any range, in SQL (SPEC §4), and hourly and daily rollups for the admin panel.
-- Plain PostgreSQL 14+ (date_bin): runs under Flyway (`gluu-kpi migrate`), psql or the Supabase
-- CLI. Nothing here is C: Supabase cannot load extensions of its own.
--
-- The stored sketch, format 1 (kpi.latency.sketch from this migration on; every integer is
-- big-endian, as int4send/int8send write them):
--
--   byte  0       version, 1
--   bytes 1..8    zero count: values equal to 0 (int64)
--   bytes 9..12   base: the index of the lowest non-empty bin (int32; 0 when there is none)
--   bytes 13..14  n: non-empty bins that follow (uint16, at most 2048)
--   byte  15      w: bytes per bin count, 1, 2, 4 or 8: the fewest that hold the largest count
--   then n bins, ascending by index, 2 + w bytes each:
--                 the bin's index minus base (uint16), its count (unsigned, w bytes)
--
-- A bin's index is DDSketch's logarithmic mapping at 1 % relative accuracy (sketches-java's
-- LogarithmicMapping(0.01)): gamma = (1 + 0.01) / (1 - 0.01), a value v > 0 falls in bin
-- floor(ln(v) / ln(gamma)), and bin i stands for exp(i / multiplier) * (1 + relative accuracy)
-- with multiplier = 1 / ln(gamma) = 49.99833328888678 and relative accuracy
-- (gamma - 1) / (gamma + 1) = 0.009999999999999957, the library's own doubles. Every value of
-- bin i lies within 1 % of what the bin stands for. At most 2048 bins, as the job's
-- CollapsingLowestDenseStore(2048): a merge that would span more folds the lowest bins into the
-- lowest one kept, as that store does (2048 bins span a ratio of 6e17, so latencies between
-- 1.4e-10 ms and a day never fold). No negative values: latencies are >= 0.
--
-- Why not DDSketch's own encoding (what the column held before): its varints and "varfloat"
-- counts take a PL/pgSQL loop per byte to decode; fixed-width fields are read by get_byte in one
-- set-based statement. A day of 1-minute sketches of one service on the demo's data merges in
-- ~25-30 ms from format 1 and ~400 ms through kpi.sketch_from_ddsketch (DemoDaySketchMergeITCase).
-- Flink state keeps DDSketch's encoding; only the column changes, written by the job's sink
-- (com.gluu.kpi.latency.StoredSketch) and converted below for rows written before.

SET client_min_messages = warning;

-- Builds a format-1 sketch from a zero count and bins (index, count; any order, repeats added,
-- counts <= 0 dropped), folding the lowest bins so that at most 2048 remain. Internal to the two
-- functions below (they run as their caller, so the caller needs EXECUTE on it too).
CREATE OR REPLACE FUNCTION kpi.sketch_from_bins(zero_count bigint, idx integer[], counts bigint[])
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SECURITY INVOKER
SET search_path = ''
AS $$
  WITH bin AS (
    SELECT b.i, b.c FROM unnest(idx, counts) AS b(i, c) WHERE b.c > 0
  ), lowest_kept AS (
    SELECT max(bin.i) - 2047 AS i FROM bin
  ), folded AS (
    SELECT greatest(bin.i, lowest_kept.i) AS i, sum(bin.c)::bigint AS c
    FROM bin, lowest_kept GROUP BY 1
  ), head AS (
    SELECT coalesce(min(folded.i), 0) AS base, count(*)::integer AS n,
           CASE WHEN coalesce(max(folded.c), 0) < 256 THEN 1
                WHEN max(folded.c) < 65536 THEN 2
                WHEN max(folded.c) < 4294967296 THEN 4
                ELSE 8 END AS w
    FROM folded
  )
  SELECT '\x01'::bytea || int8send(zero_count) || int4send(head.base) || substr(int4send(head.n), 3)
         || substr(int4send(head.w), 4)
         || coalesce((SELECT string_agg(substr(int4send(folded.i - head.base), 3) || substr(int8send(folded.c), 9 - head.w),
                                        ''::bytea ORDER BY folded.i)
                      FROM folded), ''::bytea)
  FROM head
$$;

-- The final step of kpi.sketch_merge: every collected sketch's bins decoded and added up in one
-- set-based statement (a PL/pgSQL loop per bin would be several times slower). NULL and empty
-- (zero-length) inputs are no data; with no data at all the merge is NULL.
CREATE OR REPLACE FUNCTION kpi.sketch_merge_final(sketches bytea[])
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  present integer;
  bad bytea;
  merged bytea;
BEGIN
  -- The same structural check as kpi.sketch_quantile; CASE keeps get_byte inside the bytes.
  SELECT count(*),
         (array_agg(s) FILTER (WHERE CASE WHEN length(s) < 16 THEN true
                                          WHEN get_byte(s, 0) <> 1 OR get_byte(s, 15) NOT IN (1, 2, 4, 8) THEN true
                                          ELSE length(s) <> 16 + ((get_byte(s, 13) << 8) | get_byte(s, 14)) * (2 + get_byte(s, 15))
                                     END))[1]
    INTO present, bad
    FROM unnest(sketches) AS s
   WHERE length(s) > 0;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'kpi.sketch_merge: not a stored sketch of format 1 (% bytes, first byte %)', length(bad), get_byte(bad, 0)
      USING ERRCODE = 'invalid_binary_representation',
            HINT = CASE WHEN get_byte(bad, 0) = 2 THEN 'DDSketch''s own encoding, as stored before V5: kpi.sketch_from_ddsketch converts it'
                        ELSE 'the format is described in sql/V5__sketch_functions_and_rollups.sql' END;
  END IF;
  IF present = 0 THEN
    RETURN NULL;
  END IF;

  WITH s AS (
    SELECT x, length(x) AS len, get_byte(x, 15) AS w,
           (get_byte(x, 1)::bigint << 56) | (get_byte(x, 2)::bigint << 48) | (get_byte(x, 3)::bigint << 40)
             | (get_byte(x, 4)::bigint << 32) | (get_byte(x, 5)::bigint << 24) | (get_byte(x, 6)::bigint << 16)
             | (get_byte(x, 7)::bigint << 8) | get_byte(x, 8)::bigint AS zero,
           (get_byte(x, 9) << 24) | (get_byte(x, 10) << 16) | (get_byte(x, 11) << 8) | get_byte(x, 12) AS base
    FROM unnest(sketches) AS x
    WHERE length(x) > 0
  ), bin AS (
    SELECT s.base + ((get_byte(s.x, p) << 8) | get_byte(s.x, p + 1)) AS i,
           CASE s.w
             WHEN 1 THEN get_byte(s.x, p + 2)::bigint
             WHEN 2 THEN ((get_byte(s.x, p + 2) << 8) | get_byte(s.x, p + 3))::bigint
             WHEN 4 THEN (get_byte(s.x, p + 2)::bigint << 24) | (get_byte(s.x, p + 3)::bigint << 16)
                         | (get_byte(s.x, p + 4)::bigint << 8) | get_byte(s.x, p + 5)::bigint
             ELSE (get_byte(s.x, p + 2)::bigint << 56) | (get_byte(s.x, p + 3)::bigint << 48)
                  | (get_byte(s.x, p + 4)::bigint << 40) | (get_byte(s.x, p + 5)::bigint << 32)
                  | (get_byte(s.x, p + 6)::bigint << 24) | (get_byte(s.x, p + 7)::bigint << 16)
                  | (get_byte(s.x, p + 8)::bigint << 8) | get_byte(s.x, p + 9)::bigint
           END AS c
    FROM s, generate_series(16, s.len - 1, 2 + s.w) AS p
  ), added AS (
    SELECT bin.i, sum(bin.c)::bigint AS c FROM bin GROUP BY bin.i
  )
  SELECT kpi.sketch_from_bins((SELECT sum(s.zero)::bigint FROM s),
                              coalesce(array_agg(added.i), '{}'), coalesce(array_agg(added.c), '{}'))
    INTO merged
    FROM added;
  RETURN merged;
END
$$;

-- kpi.sketch_merge(sketch): the sketch of all the values of the sketches of a group, as
-- DDSketch.mergeWith gives it (the same bytes as the job's encoder writes for the Java merge).
-- Collecting is array_append, which PostgreSQL does in place, so a group of n sketches costs one
-- pass over their bytes; memory is the group's sketch bytes (~180 bytes a 1-minute row on the demo).
-- An aggregate cannot SET search_path (Supabase's linter lists it, harmlessly): its support
-- functions are bound here, by identity, and the final one has search_path ''.
CREATE OR REPLACE AGGREGATE kpi.sketch_merge(bytea) (
  SFUNC = array_append,
  STYPE = bytea[],
  FINALFUNC = kpi.sketch_merge_final,
  COMBINEFUNC = array_cat,
  PARALLEL = SAFE
);

-- kpi.sketch_quantile(sketch, q): the value at quantile q (0 <= q <= 1), defined as sketches-java's
-- DDSketch.getValueAtQuantile: rank = q * (count - 1); walk the zero count, then the bins in
-- ascending order, and return what the first bin whose running count exceeds rank stands for
-- (0 for the zero count). Within 1 % of the value at that rank of the sorted raw values
-- (index floor(q * (count - 1)), counting from 0). NULL for NULL, an empty value or a sketch
-- without values.
CREATE OR REPLACE FUNCTION kpi.sketch_quantile(sketch bytea, q double precision)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  len constant integer := length(sketch);
  w integer;
  zero bigint;
  base integer;
  total bigint;
  rank double precision;
  found_index integer;
BEGIN
  IF NOT q BETWEEN 0 AND 1 THEN -- NaN too: PostgreSQL orders NaN above every number
    RAISE EXCEPTION 'kpi.sketch_quantile: q = % is not between 0 and 1', q USING ERRCODE = 'numeric_value_out_of_range';
  END IF;
  IF len = 0 THEN
    RETURN NULL;
  END IF;
  IF len < 16 OR get_byte(sketch, 0) <> 1 OR get_byte(sketch, 15) NOT IN (1, 2, 4, 8)
     OR len <> 16 + ((get_byte(sketch, 13) << 8) | get_byte(sketch, 14)) * (2 + get_byte(sketch, 15)) THEN
    RAISE EXCEPTION 'kpi.sketch_quantile: not a stored sketch of format 1 (% bytes, first byte %)', len, get_byte(sketch, 0)
      USING ERRCODE = 'invalid_binary_representation',
            HINT = CASE WHEN get_byte(sketch, 0) = 2 THEN 'DDSketch''s own encoding, as stored before V5: kpi.sketch_from_ddsketch converts it'
                        ELSE 'the format is described in sql/V5__sketch_functions_and_rollups.sql' END;
  END IF;
  w := get_byte(sketch, 15);
  zero := (get_byte(sketch, 1)::bigint << 56) | (get_byte(sketch, 2)::bigint << 48) | (get_byte(sketch, 3)::bigint << 40)
          | (get_byte(sketch, 4)::bigint << 32) | (get_byte(sketch, 5)::bigint << 24) | (get_byte(sketch, 6)::bigint << 16)
          | (get_byte(sketch, 7)::bigint << 8) | get_byte(sketch, 8)::bigint;
  base := (get_byte(sketch, 9) << 24) | (get_byte(sketch, 10) << 16) | (get_byte(sketch, 11) << 8) | get_byte(sketch, 12);

  -- One pass: the bins' running counts, and the first bin whose running count passes the rank.
  -- Counts compare as doubles, as in Java (exact below 2^53).
  WITH bin AS (
    SELECT base + ((get_byte(sketch, p) << 8) | get_byte(sketch, p + 1)) AS i,
           CASE w
             WHEN 1 THEN get_byte(sketch, p + 2)::bigint
             WHEN 2 THEN ((get_byte(sketch, p + 2) << 8) | get_byte(sketch, p + 3))::bigint
             WHEN 4 THEN (get_byte(sketch, p + 2)::bigint << 24) | (get_byte(sketch, p + 3)::bigint << 16)
                         | (get_byte(sketch, p + 4)::bigint << 8) | get_byte(sketch, p + 5)::bigint
             ELSE (get_byte(sketch, p + 2)::bigint << 56) | (get_byte(sketch, p + 3)::bigint << 48)
                  | (get_byte(sketch, p + 4)::bigint << 40) | (get_byte(sketch, p + 5)::bigint << 32)
                  | (get_byte(sketch, p + 6)::bigint << 24) | (get_byte(sketch, p + 7)::bigint << 16)
                  | (get_byte(sketch, p + 8)::bigint << 8) | get_byte(sketch, p + 9)::bigint
           END AS c
    FROM generate_series(16, len - 1, 2 + w) AS p
  ), running AS (
    SELECT bin.i, (zero + sum(bin.c) OVER (ORDER BY bin.i))::double precision AS n,
           (zero + sum(bin.c) OVER ())::bigint AS total
    FROM bin
  )
  SELECT coalesce(max(running.total), zero),
         min(running.i) FILTER (WHERE running.n > q * (running.total - 1)::double precision)
    INTO total, found_index
    FROM running;
  IF total = 0 THEN
    RETURN NULL;
  END IF;
  rank := q * (total - 1)::double precision;
  IF zero::double precision > rank THEN
    RETURN 0;
  END IF;
  -- What bin found_index stands for: LogarithmicMapping.value, lowerBound(i) * (1 + relative accuracy).
  RETURN exp(found_index::double precision / 49.99833328888678::double precision)
         * (1 + 0.009999999999999957::double precision);
END
$$;

-- DDSketch's own encoding (sketches-java DDSketch.encode, what kpi.latency.sketch held before
-- this migration) of a gluu-kpi latency sketch, converted to format 1. Reads exactly what that
-- encoder writes for these sketches: the index mapping (flag 0x02, gamma and index offset as
-- little-endian doubles; it must be the job's), the zero count (flag 0x04, a varfloat), and the
-- positive store (flag 0x05 index deltas and counts, 0x09 index deltas, 0x0D contiguous counts;
-- varints zig-zag signed, counts varfloat). A negative store, another mapping or a count that is
-- not a whole number is refused. A state machine with one token per step, so the varint and
-- varfloat readers are written once.
CREATE OR REPLACE FUNCTION kpi.sketch_from_ddsketch(encoded bytea)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  -- what the next token is
  at_flag constant integer := 0;
  at_zero_count constant integer := 1;
  at_bin_count constant integer := 2;
  at_start_index constant integer := 3;
  at_index_step constant integer := 4;
  at_index_delta constant integer := 5;
  at_count constant integer := 6;
  len constant integer := length(encoded);
  pos integer := 17;
  state integer := at_flag;
  flag integer;
  mode integer;          -- 1 index deltas and counts, 2 index deltas (count 1 each), 3 contiguous counts
  bins_left bigint := 0;
  idx bigint := 0;
  step bigint := 0;
  b integer;
  shift integer;
  u bigint;              -- the token's bits
  ieee bigint;
  f double precision;
  zero double precision := 0;
  idxs integer[] := '{}';
  cnts bigint[] := '{}';
BEGIN
  -- 0x02 (LOG layout), gamma = 1.01 / 0.99 and index offset 0.0 as little-endian doubles.
  IF substr(encoded, 1, 17) <> '\x02fd4a815abf52f03f0000000000000000'::bytea THEN
    RAISE EXCEPTION 'kpi.sketch_from_ddsketch: not a DDSketch encoding with gluu-kpi''s mapping (logarithmic, 1 %% relative accuracy)'
      USING ERRCODE = 'invalid_binary_representation';
  END IF;
  WHILE pos < len OR state <> at_flag LOOP
    IF pos >= len THEN
      RAISE EXCEPTION 'kpi.sketch_from_ddsketch: truncated after % bytes', len USING ERRCODE = 'invalid_binary_representation';
    END IF;
    IF state = at_flag THEN
      flag := get_byte(encoded, pos);
      pos := pos + 1;
      mode := flag >> 2;
      IF flag = 4 THEN
        state := at_zero_count;
      ELSIF flag & 3 = 1 AND mode BETWEEN 1 AND 3 THEN
        state := at_bin_count;
      ELSIF flag & 3 = 3 THEN
        RAISE EXCEPTION 'kpi.sketch_from_ddsketch: negative values (flag %) have no format-1 form', flag
          USING ERRCODE = 'invalid_binary_representation';
      ELSE
        RAISE EXCEPTION 'kpi.sketch_from_ddsketch: unexpected flag % at byte %', flag, pos - 1
          USING ERRCODE = 'invalid_binary_representation';
      END IF;
      CONTINUE;
    END IF;

    u := 0;
    IF state IN (at_zero_count, at_count) THEN
      -- varfloat: 7 bits a byte, most significant first, high bit = more; a 9th byte holds 8 bits
      shift := 57;
      LOOP
        b := get_byte(encoded, pos);
        pos := pos + 1;
        IF shift = 1 THEN
          u := u | b;
          EXIT;
        END IF;
        u := u | ((b & 127)::bigint << shift);
        EXIT WHEN b < 128;
        shift := shift - 7;
      END LOOP;
      -- rotate right by 6 and add the bits of 1.0: the IEEE 754 bits of count + 1 (>= 1, normal)
      ieee := (((u >> 6) & 288230376151711743) | (u << 58)) + 4607182418800017408;
      f := ((ieee & 4503599627370495) + 4503599627370496)::double precision
           * 2::double precision ^ (((ieee >> 52) & 2047) - 1075)::double precision - 1;
      IF f <> floor(f) THEN
        RAISE EXCEPTION 'kpi.sketch_from_ddsketch: count % is not a whole number', f USING ERRCODE = 'invalid_binary_representation';
      END IF;
    ELSE
      -- varint: 7 bits a byte, least significant first, high bit = more; a 9th byte holds 8 bits
      shift := 0;
      LOOP
        b := get_byte(encoded, pos);
        pos := pos + 1;
        IF b < 128 OR shift = 56 THEN
          u := u | (b::bigint << shift);
          EXIT;
        END IF;
        u := u | ((b & 127)::bigint << shift);
        shift := shift + 7;
      END LOOP;
      IF state <> at_bin_count THEN
        u := ((u >> 1) & 9223372036854775807) # (-(u & 1)); -- zig-zag: signed
      END IF;
    END IF;

    IF state = at_zero_count THEN
      zero := zero + f;
      state := at_flag;
    ELSIF state = at_bin_count THEN
      bins_left := u;
      idx := 0;
      state := CASE WHEN u = 0 THEN at_flag WHEN mode = 3 THEN at_start_index ELSE at_index_delta END;
    ELSIF state = at_start_index THEN
      idx := u;
      state := at_index_step;
    ELSIF state = at_index_step THEN
      step := u;
      state := at_count;
    ELSIF state = at_index_delta THEN
      idx := idx + u;
      IF mode = 2 THEN
        idxs := idxs || idx::integer;
        cnts := cnts || 1::bigint;
        bins_left := bins_left - 1;
        state := CASE WHEN bins_left = 0 THEN at_flag ELSE at_index_delta END;
      ELSE
        state := at_count;
      END IF;
    ELSE -- at_count
      IF f > 0 THEN
        idxs := idxs || idx::integer;
        cnts := cnts || f::bigint;
      END IF;
      bins_left := bins_left - 1;
      IF mode = 3 THEN
        idx := idx + step;
      END IF;
      state := CASE WHEN bins_left = 0 THEN at_flag WHEN mode = 3 THEN at_count ELSE at_index_delta END;
    END IF;
  END LOOP;
  RETURN kpi.sketch_from_bins(zero::bigint, idxs, cnts);
END
$$;

-- The rows written before this migration.
UPDATE kpi.latency SET sketch = kpi.sketch_from_ddsketch(sketch) WHERE substr(sketch, 1, 1) = '\x02'::bytea;

-- And those an older job still writes until it is redeployed (it keeps running through
-- `migrate`): converted as they arrive, so the column holds format 1 only. Costs nothing for
-- rows already in format 1 (the WHEN is evaluated without calling the function).
CREATE OR REPLACE FUNCTION kpi.latency_sketch_to_format_1()
RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = ''
AS $$
BEGIN
  NEW.sketch := kpi.sketch_from_ddsketch(NEW.sketch);
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER latency_sketch_to_format_1
  BEFORE INSERT OR UPDATE OF sketch ON kpi.latency
  FOR EACH ROW WHEN (substr(NEW.sketch, 1, 1) = '\x02'::bytea)
  EXECUTE FUNCTION kpi.latency_sketch_to_format_1();

-- Pure functions of their arguments (they read no table), callable by both roles and nobody else.
REVOKE ALL ON FUNCTION kpi.sketch_from_bins(bigint, integer[], bigint[]), kpi.sketch_merge_final(bytea[]),
  kpi.sketch_merge(bytea), kpi.sketch_quantile(bytea, double precision), kpi.sketch_from_ddsketch(bytea),
  kpi.latency_sketch_to_format_1() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kpi.sketch_merge(bytea), kpi.sketch_quantile(bytea, double precision),
  kpi.sketch_merge_final(bytea[]), kpi.sketch_from_bins(bigint, integer[], bigint[]), kpi.sketch_from_ddsketch(bytea)
  TO kpi_reader, kpi_writer;
GRANT EXECUTE ON FUNCTION kpi.latency_sketch_to_format_1() TO kpi_writer;

-- Hourly and daily rollups of the 1-minute rows, for the admin panel (through the Data API) and
-- analysts: UTC hours and days (date_bin from midnight UTC, whatever the session's TimeZone);
-- window_start and window_end name the hour or day. Counts and money add up; latency
-- percentiles come from the merged sketches (never averages of percentiles), mean_ms is
-- weighted by count, accuracy by feedback. Built from the 1-minute rows whatever window sizes
-- the job is configured with (SPEC default: 1 minute and 1 hour), so an hourly row equals the
-- job's own 1-hour row when both exist. A filter on window_start is applied to the 1-minute rows
-- before they are grouped (PostgreSQL pushes it below the GROUP BY), to each row: see the README
-- for the index that makes it an index scan on a large table.
-- security_invoker: read with the caller's rights and row-level security (V4).

CREATE OR REPLACE VIEW kpi.traffic_hourly WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour' AS window_end,
         service, route, model, endpoint,
         sum(requests)::bigint AS requests, sum(ok)::bigint AS ok, sum(client_errors)::bigint AS client_errors,
         sum(errors)::bigint AS errors, sum(errors)::double precision / nullif(sum(requests), 0) AS error_rate,
         sum(async_requests)::bigint AS async_requests, sum(images)::bigint AS images
  FROM kpi.traffic
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, service, route, model, endpoint;

CREATE OR REPLACE VIEW kpi.traffic_daily WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 day' AS window_end,
         service, route, model, endpoint,
         sum(requests)::bigint AS requests, sum(ok)::bigint AS ok, sum(client_errors)::bigint AS client_errors,
         sum(errors)::bigint AS errors, sum(errors)::double precision / nullif(sum(requests), 0) AS error_rate,
         sum(async_requests)::bigint AS async_requests, sum(images)::bigint AS images
  FROM kpi.traffic
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, service, route, model, endpoint;

-- The merged sketch is computed once per group and read four times; it is a column too, so a
-- longer range can merge these rows' sketches again.
CREATE OR REPLACE VIEW kpi.latency_hourly WITH (security_invoker = true) AS
  SELECT window_start, window_end, service, model, endpoint, stage, count,
         kpi.sketch_quantile(sketch, 0.50) AS p50_ms, kpi.sketch_quantile(sketch, 0.90) AS p90_ms,
         kpi.sketch_quantile(sketch, 0.95) AS p95_ms, kpi.sketch_quantile(sketch, 0.99) AS p99_ms,
         max_ms, mean_ms, sketch
  FROM (
    SELECT date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
           date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour' AS window_end,
           service, model, endpoint, stage,
           sum(count)::bigint AS count, max(max_ms) AS max_ms, sum(mean_ms * count) / sum(count) AS mean_ms,
           kpi.sketch_merge(sketch) AS sketch
    FROM kpi.latency
    WHERE window_end - window_start = interval '1 minute'
    GROUP BY 1, 2, service, model, endpoint, stage
  ) AS merged;

CREATE OR REPLACE VIEW kpi.latency_daily WITH (security_invoker = true) AS
  SELECT window_start, window_end, service, model, endpoint, stage, count,
         kpi.sketch_quantile(sketch, 0.50) AS p50_ms, kpi.sketch_quantile(sketch, 0.90) AS p90_ms,
         kpi.sketch_quantile(sketch, 0.95) AS p95_ms, kpi.sketch_quantile(sketch, 0.99) AS p99_ms,
         max_ms, mean_ms, sketch
  FROM (
    SELECT date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
           date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 day' AS window_end,
           service, model, endpoint, stage,
           sum(count)::bigint AS count, max(max_ms) AS max_ms, sum(mean_ms * count) / sum(count) AS mean_ms,
           kpi.sketch_merge(sketch) AS sketch
    FROM kpi.latency
    WHERE window_end - window_start = interval '1 minute'
    GROUP BY 1, 2, service, model, endpoint, stage
  ) AS merged;

-- accuracy is the mean score, so the rollup weights each minute's by its feedback count.
CREATE OR REPLACE VIEW kpi.accuracy_hourly WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour' AS window_end,
         model, model_version,
         sum(feedback)::bigint AS feedback, sum(correct)::bigint AS correct, sum(partial)::bigint AS partial,
         sum(incorrect)::bigint AS incorrect, sum(accuracy * feedback) / nullif(sum(feedback), 0) AS accuracy
  FROM kpi.accuracy
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, model, model_version;

CREATE OR REPLACE VIEW kpi.accuracy_daily WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 day' AS window_end,
         model, model_version,
         sum(feedback)::bigint AS feedback, sum(correct)::bigint AS correct, sum(partial)::bigint AS partial,
         sum(incorrect)::bigint AS incorrect, sum(accuracy * feedback) / nullif(sum(feedback), 0) AS accuracy
  FROM kpi.accuracy
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, model, model_version;

-- Money adds up; usd_per_inference is the period's total over its requests (NULL without any),
-- and idle_hosting_usd stays NULL except on the '*' rows, as in kpi.cost.
CREATE OR REPLACE VIEW kpi.cost_hourly WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 hour', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour' AS window_end,
         model, endpoint,
         sum(requests)::bigint AS requests, sum(llm_usd) AS llm_usd, sum(hosting_usd) AS hosting_usd,
         sum(compute_usd) AS compute_usd, sum(total_usd) AS total_usd,
         sum(total_usd) / nullif(sum(requests), 0) AS usd_per_inference, sum(idle_hosting_usd) AS idle_hosting_usd
  FROM kpi.cost
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, model, endpoint;

CREATE OR REPLACE VIEW kpi.cost_daily WITH (security_invoker = true) AS
  SELECT date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') AS window_start,
         date_bin(interval '1 day', window_start, timestamptz '2000-01-01 00:00:00+00') + interval '1 day' AS window_end,
         model, endpoint,
         sum(requests)::bigint AS requests, sum(llm_usd) AS llm_usd, sum(hosting_usd) AS hosting_usd,
         sum(compute_usd) AS compute_usd, sum(total_usd) AS total_usd,
         sum(total_usd) / nullif(sum(requests), 0) AS usd_per_inference, sum(idle_hosting_usd) AS idle_hosting_usd
  FROM kpi.cost
  WHERE window_end - window_start = interval '1 minute'
  GROUP BY 1, 2, model, endpoint;

GRANT SELECT ON kpi.traffic_hourly, kpi.traffic_daily, kpi.latency_hourly, kpi.latency_daily,
  kpi.accuracy_hourly, kpi.accuracy_daily, kpi.cost_hourly, kpi.cost_daily TO kpi_reader;
