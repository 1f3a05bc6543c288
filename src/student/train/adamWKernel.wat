;; AdamW's per-element update (hostAdamW.ts adamWTensor) in WebAssembly SIMD, two float64 lanes at a time.
;; Design goal: the same bits as the JavaScript kernel, at the speed the memory allows. The JavaScript loop is
;; bound by its scalar float64 divide and square root (0.47 s a GPT-2 small step on one core), not by memory;
;; f64x2 halves that. Every operation is the JavaScript one in the same order: float32 loads widened exactly to
;; float64, IEEE add, mul, div and sqrt (WebAssembly neither fuses nor flushes subnormals), and one rounding to
;; float32 on store, the round-to-nearest-even a Float32Array assignment does.
;;
;; adamw(p, m, v, g, n, ...) updates n float32 elements at byte offsets p, m, v (read and written) and g (read)
;; of this module's memory. It works in pairs: with n odd it also writes element n of p, m and v, so each region
;; needs room for one more element (adamWKernel.ts lays them out that way).
(module
  (memory (export "memory") 2)
  (func (export "adamw")
    (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
    (param $scale f64) (param $beta1 f64) (param $beta2 f64) (param $stepSize f64) (param $invSqrtBc2 f64)
    (param $eps f64) (param $decay f64)
    (local $at i32) (local $end i32)
    (local $S v128) (local $B1 v128) (local $B2 v128) (local $C1 v128) (local $C2 v128)
    (local $LR v128) (local $IB v128) (local $E v128) (local $D v128)
    (local $d v128) (local $mi v128) (local $vi v128)
    (local.set $S (f64x2.splat (local.get $scale)))
    (local.set $B1 (f64x2.splat (local.get $beta1)))
    (local.set $B2 (f64x2.splat (local.get $beta2)))
    (local.set $C1 (f64x2.splat (f64.sub (f64.const 1) (local.get $beta1))))
    (local.set $C2 (f64x2.splat (f64.sub (f64.const 1) (local.get $beta2))))
    (local.set $LR (f64x2.splat (local.get $stepSize)))
    (local.set $IB (f64x2.splat (local.get $invSqrtBc2)))
    (local.set $E (f64x2.splat (local.get $eps)))
    (local.set $D (f64x2.splat (local.get $decay)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        ;; d = g * scale
        (local.set $d
          (f64x2.mul
            (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $at))))
            (local.get $S)))
        ;; mi = beta1 * m + (1 - beta1) * d
        (local.set $mi
          (f64x2.add
            (f64x2.mul (local.get $B1)
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $m) (local.get $at)))))
            (f64x2.mul (local.get $C1) (local.get $d))))
        ;; vi = beta2 * v + ((1 - beta2) * d) * d
        (local.set $vi
          (f64x2.add
            (f64x2.mul (local.get $B2)
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $v) (local.get $at)))))
            (f64x2.mul (f64x2.mul (local.get $C2) (local.get $d)) (local.get $d))))
        (v128.store64_lane 0 (i32.add (local.get $m) (local.get $at)) (f32x4.demote_f64x2_zero (local.get $mi)))
        (v128.store64_lane 0 (i32.add (local.get $v) (local.get $at)) (f32x4.demote_f64x2_zero (local.get $vi)))
        ;; p = p * decay - (stepSize * mi) / (sqrt(vi) * invSqrtBc2 + eps), from the unrounded mi and vi
        (v128.store64_lane 0 (i32.add (local.get $p) (local.get $at))
          (f32x4.demote_f64x2_zero
            (f64x2.sub
              (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $p) (local.get $at))))
                (local.get $D))
              (f64x2.div
                (f64x2.mul (local.get $LR) (local.get $mi))
                (f64x2.add (f64x2.mul (f64x2.sqrt (local.get $vi)) (local.get $IB)) (local.get $E))))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $pair)))))
