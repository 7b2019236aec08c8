package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Returning freed memory to the system where the C library allows it (glibc on Linux). */
class NativeMemoryTest {

  @Test
  void glibcTakesFreedMemoryBack() throws Exception {
    boolean glibc = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
        && Files.exists(Path.of("/proc/self/maps")) && Files.readString(Path.of("/proc/self/maps")).contains("libc.so.6");
    assumeTrue(glibc, "glibc on Linux only");
    // the library loads through JNA from this module and the call succeeds, repeatedly
    assertTrue(NativeMemory.release());
    assertTrue(NativeMemory.release());
  }
}
