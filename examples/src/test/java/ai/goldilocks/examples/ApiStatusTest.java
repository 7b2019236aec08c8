package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Sampler;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.server.ServerMain;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Test;

/**
 * Every public top-level type that the library modules ship carries an {@link API} status, so a
 * user can tell a stable contract from an experimental or internal type. Reads the compiled
 * classes of each module (a folder under Maven, a jar elsewhere) and loads each one.
 */
class ApiStatusTest {

  private static final List<Class<?>> MODULE_ANCHORS =
      List.of(Sampler.class, GrpoTrainer.class, TransformerPolicy.class, ServerMain.class);

  @Test
  void everyPublicTypeOfEveryLibraryModuleHasAnApiStatus() throws Exception {
    TreeSet<String> missing = new TreeSet<>();
    int checked = 0;
    for (Class<?> anchor : MODULE_ANCHORS) {
      for (String name : classNames(anchor)) {
        if (name.contains("$") || name.endsWith("module-info") || name.endsWith("package-info")) {
          continue;
        }
        Class<?> type = Class.forName(name, false, anchor.getClassLoader());
        if (!Modifier.isPublic(type.getModifiers())) {
          continue;
        }
        checked++;
        if (!type.isAnnotationPresent(API.class)) {
          missing.add(name);
        }
      }
    }
    assertTrue(checked > 50, "found only " + checked + " public types: is the class scan broken?");
    assertEquals(new TreeSet<String>(), missing, "public types without @API(status = ...)");
  }

  @Test
  void typesOfTheInternalPackageAreMarkedInternal() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (String name : classNames(Sampler.class)) {
      if (!name.startsWith("ai.goldilocks.core.internal.") || name.contains("$")) {
        continue;
      }
      Class<?> type = Class.forName(name, false, Sampler.class.getClassLoader());
      API api = type.getAnnotation(API.class);
      if (Modifier.isPublic(type.getModifiers())
          && (api == null || api.status() != API.Status.INTERNAL)) {
        wrong.add(name);
      }
    }
    assertEquals(List.of(), wrong, "public types of the internal package not marked INTERNAL");
  }

  private static List<String> classNames(Class<?> anchor) throws IOException, URISyntaxException {
    Path where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(where)) {
      try (Stream<Path> files = Files.walk(where)) {
        files
            .filter(p -> p.toString().endsWith(".class"))
            .forEach(p -> names.add(toName(where.relativize(p).toString().replace('\\', '/'))));
      }
    } else {
      try (JarFile jar = new JarFile(where.toFile())) {
        jar.stream()
            .filter(e -> e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/"))
            .forEach(e -> names.add(toName(e.getName())));
      }
    }
    return names;
  }

  private static String toName(String classFile) {
    return classFile.substring(0, classFile.length() - ".class".length()).replace('/', '.');
  }
}
