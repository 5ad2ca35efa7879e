// Helpers shared by the micro-benchmarks: a per-item time counter, so every
// table reads in ns per packet/frame/delivery whatever the batch size.
// Thread-agnostic.
#pragma once

#include <benchmark/benchmark.h>

// Adds `s_per_item`, the CPU time per item when each iteration handles `items`
// (printed with an SI prefix: 120n is 120 ns). CPU time, because this box is
// shared and wall time would count other processes' turns.
inline void reportPerItem(benchmark::State &state, int64_t items)
{
    state.SetItemsProcessed(state.iterations() * items);
    // kIsRate divides by elapsed seconds; kInvert turns items/s into s/item.
    state.counters["s_per_item"] =
        benchmark::Counter(double(state.iterations() * items),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
