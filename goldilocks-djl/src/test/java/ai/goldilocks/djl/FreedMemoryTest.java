package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.goldilocks.grpo.Sequence;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The root cause of the flaky NaN gradients (issue 10, item 1). DJL's arithmetic with a Java number
 * ({@code x.mul(2f)}) wraps the number in a temporary array over a direct buffer and closes it at
 * once; autograd keeps that array for the backward pass, and once the JVM's garbage collector
 * frees the buffer the backward reads freed memory. Whether it does depended on when a collection
 * ran, hence one failing run in three. These tests force the collection and refill freed memory
 * with NaN between the forward and the backward pass: the gradient must not change.
 */
class FreedMemoryTest {

  /** Runs collections and refills freed small blocks of native memory with NaN. */
  static void churnFreedMemory() {
    for (int k = 0; k < 3; k++) {
      System.gc();
      try {
        Thread.sleep(30); // the cleaner thread frees the collected direct buffers
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      List<ByteBuffer> fill = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * (1 + i % 4)).order(ByteOrder.nativeOrder());
        for (int j = 0; j < b.capacity(); j += 4) {
          b.putFloat(j, Float.NaN);
        }
        fill.add(b);
      }
    }
  }

  @Test
  void scalarConstantsSurviveACollectionBetweenForwardAndBackward() {
    try (NDManager base = NDManager.newBaseManager(TransformerPolicy.defaultDevice())) {
      NDArray w = base.create(new float[] {1, 2, 3, 4}, new Shape(4));
      w.setRequiresGradient(true);
      for (int rep = 0; rep < 5; rep++) {
        try (NDManager scope = base.newSubManager()) {
          try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray x = scope.create(new float[] {1, 1, 1, 1}, new Shape(4)).mul(w);
            NDArray y = Ops.div(Ops.mul(Ops.silu(x), 3f), 2f);
            churnFreedMemory();
            gc.backward(y.sum());
          }
          NDArray g = w.getGradient();
          g.attach(scope);
          float[] got = g.toFloatArray();
          for (int i = 0; i < 4; i++) {
            double s = 1 / (1 + Math.exp(-(i + 1)));
            assertEquals(1.5 * (s + (i + 1) * s * (1 - s)), got[i], 1e-5, "d/dw of 1.5 silu(w) at w = " + (i + 1));
          }
          Ops.zeroGradient(w);
        }
      }
    }
  }

  /** The whole training path of both networks: gradients equal those of an undisturbed pass. */
  @Test
  void networkGradientsDoNotDependOnWhenTheCollectorRuns() throws Exception {
    List<Sequence> batch = List.of(new Sequence(new int[] {3, 17, 42}, new int[] {5, 9, 1}),
        new Sequence(new int[] {8, 8}, new int[] {7, 1}));
    List<Sequence> small = List.of(new Sequence(TransformerPolicyTest.TOK.encode("12+7="), TransformerPolicyTest.TOK.encode("19")),
        new Sequence(TransformerPolicyTest.TOK.encode("3+4="), TransformerPolicyTest.TOK.encode("7")));
    try (TransformerPolicy llama = TransformerPolicy.fromHuggingFace(LlamaNetworkTest.checkpoint("tiny-qwen2"), LlamaNetworkTest.TOK).build();
        TransformerPolicy tiny = TransformerPolicyTest.tiny(3)) {
      for (Object[] c : new Object[][] {{llama, batch}, {tiny, small}}) {
        TransformerPolicy p = (TransformerPolicy) c[0];
        @SuppressWarnings("unchecked")
        List<Sequence> seqs = (List<Sequence>) c[1];
        Map<String, float[]> quiet = PolicyGradients.gradients(p, seqs, 0.7, (scope, lp, start, count) -> lp.sum());
        Map<String, float[]> churned = PolicyGradients.gradients(p, seqs, 0.7, (scope, lp, start, count) -> {
          churnFreedMemory();
          return lp.sum();
        });
        for (String name : quiet.keySet()) {
          assertArrayEquals(quiet.get(name), churned.get(name), 0f, name);
        }
      }
    }
  }
}
