;; The machine's memory read bandwidth, for the decode benchmark's bound: sums a region of this module's memory
;; with 16-byte loads, eight a pass over four independent accumulators (so the adds never wait on each other and
;; many cache lines are in flight), and returns the
;; sum so no engine can drop the loads. One instance per thread; the benchmark adds up the threads' rates.
(module
  (memory (export "memory") 1)
  (func (export "sum") (param $end i32) (result i64)
    (local $at i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $a (i64x2.add (local.get $a) (v128.load offset=0 (local.get $at))))
        (local.set $b (i64x2.add (local.get $b) (v128.load offset=16 (local.get $at))))
        (local.set $c (i64x2.add (local.get $c) (v128.load offset=32 (local.get $at))))
        (local.set $d (i64x2.add (local.get $d) (v128.load offset=48 (local.get $at))))
        (local.set $a (i64x2.add (local.get $a) (v128.load offset=64 (local.get $at))))
        (local.set $b (i64x2.add (local.get $b) (v128.load offset=80 (local.get $at))))
        (local.set $c (i64x2.add (local.get $c) (v128.load offset=96 (local.get $at))))
        (local.set $d (i64x2.add (local.get $d) (v128.load offset=112 (local.get $at))))
        (local.set $at (i32.add (local.get $at) (i32.const 128)))
        (br $next)))
    (local.set $a (i64x2.add (i64x2.add (local.get $a) (local.get $b)) (i64x2.add (local.get $c) (local.get $d))))
    (i64.add (i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))))
