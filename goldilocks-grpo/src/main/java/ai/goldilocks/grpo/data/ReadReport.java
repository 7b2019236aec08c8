package ai.goldilocks.grpo.data;

import java.util.Map;
import org.apiguardian.api.API;

/**
 * What a read did: rows seen, kept, dropped by each filter, duplicates, and malformed rows by reason.
 *
 * @param files files read
 * @param rowsRead rows read (well-formed or not)
 * @param rowsKept rows handed to the caller
 * @param filteredOut rows dropped by the filters
 * @param duplicates rows dropped as repeated problem texts
 * @param malformed rows skipped as malformed, per reason
 * @param missingColumns columns absent from at least one file (tolerated)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record ReadReport(int files, long rowsRead, long rowsKept, long filteredOut, long duplicates, Map<String, Long> malformed,
    java.util.Set<String> missingColumns) {

  /** Copies the maps. */
  public ReadReport {
    malformed = Map.copyOf(malformed);
    missingColumns = java.util.Set.copyOf(missingColumns);
  }

  /** Total malformed rows. */
  public long malformedRows() {
    return malformed.values().stream().mapToLong(Long::longValue).sum();
  }
}
