package ai.goldilocks.djl;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Run in a child JVM by {@link DjlEngineTest}, without DJL's offline variables in its environment:
 * starts the engine, samples, trains, scores with the teacher and loads a tokenizer while a
 * security manager records every attempt to open a network connection or resolve a host.
 */
public final class OfflineSmoke {
  private OfflineSmoke() {}

  @SuppressWarnings("removal")
  public static void main(String[] args) throws Exception {
    ConcurrentLinkedQueue<String> attempts = new ConcurrentLinkedQueue<>();
    System.setSecurityManager(new SecurityManager() {
      @Override
      public void checkPermission(java.security.Permission perm) {}

      @Override
      public void checkPermission(java.security.Permission perm, Object context) {}

      @Override
      public void checkConnect(String host, int port) {
        attempts.add(host + ":" + port);
        throw new SecurityException("network access attempted: " + host + ":" + port);
      }

      @Override
      public void checkConnect(String host, int port, Object context) {
        checkConnect(host, port);
      }
    });
    CharTokenizer tok = CharTokenizer.arithmetic();
    TransformerConfig cfg = new TransformerConfig(tok.vocabSize(), 16, 1, 2, 32, 24);
    try (TransformerPolicy p = TransformerPolicy.builder(cfg, tok).build();
        TransformerTeacher t = TransformerTeacher.builder(cfg, tok).build();
        HfTokenizer hf = HfTokenizer.load(Path.of(args[0]), "<eos>", "<pad>")) {
      p.generate("1+2=", 2, new SamplingConfig(1, 1, 3), 1);
      p.supervisedStep(List.of(new Sequence(tok.encode("1+2="), tok.encode("3"))));
      QuestionPool pool = QuestionPool.of(List.of(new Question("a", "1+1="), new Question("b", "22+22=")));
      t.train(pool, new int[] {0, 1}, new double[] {0.1, 0.3}, 2, 1);
      t.predict(pool, new int[] {0, 1}, 2, new double[2]);
      hf.encode("what is two plus three ?");
    }
    Thread.sleep(500); // let any background call-home thread run
    if (!attempts.isEmpty()) {
      System.out.println("NETWORK " + attempts);
      System.exit(3);
    }
    System.out.println("OFFLINE-OK offline=" + System.getProperty("ai.djl.offline"));
  }
}
