/** Prints benchmark figures as aligned lines: `figure  value unit  (ratio vs baseline)`. */
export function figure(name: string, value: number, unit: string, baseline?: { name: string; value: number; higherIsBetter: boolean }): void {
  const shown = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
  let line = `FIGURE ${name.padEnd(44)} ${shown.padStart(10)} ${unit}`
  if (baseline !== undefined) {
    const ratio = baseline.higherIsBetter ? value / baseline.value : baseline.value / value
    line += `   ${ratio.toFixed(1)}× vs ${baseline.name}`
  }
  console.log(line)
}
