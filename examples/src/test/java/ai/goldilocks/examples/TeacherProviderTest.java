package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.goldilocks.core.spi.TeacherProvider;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** With goldilocks-djl on the class path (as in the examples jar's lib/), the server finds the djl teacher by name. */
class TeacherProviderTest {
  @Test
  void theDjlTeacherIsFoundThroughTheServiceLoader() {
    List<String> names = ServiceLoader.load(TeacherProvider.class).stream().map(p -> p.get().name()).toList();
    assertEquals(List.of("djl"), names);
  }
}
