// A progress bar on stderr for long operations (import, start, simulate).
// Draws in place on a terminal; elsewhere (CI, pipes) prints a line every 10%.
export interface Progress {
  tick(n?: number): void;
  total(n: number): void;
  done(message?: string): void;
}

export function progress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let count = 0;
  let lastDrawn = -1;
  let lastTime = 0;
  const started = Date.now();
  const tty = Boolean(stream.isTTY);
  const draw = (force = false) => {
    const pct = total > 0 ? Math.min(100, Math.floor((count / total) * 100)) : 100;
    if (tty) {
      const now = Date.now();
      if (!force && now - lastTime < 100) return;
      lastTime = now;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(
        `\r${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${pct}% ${count}/${total}`,
      );
    } else {
      const step = Math.floor(pct / 10);
      if (step === lastDrawn && !force) return;
      lastDrawn = step;
      stream.write(`${label} ${pct}% (${count}/${total})\n`);
    }
  };
  return {
    tick(n = 1) {
      count += n;
      draw();
    },
    total(n) {
      total = n;
    },
    done(message) {
      count = Math.max(count, total);
      // a non-terminal already printed its 100% line from tick()
      if (tty || lastDrawn !== 10) draw(true);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      stream.write(`${tty ? '\n' : ''}${message ?? `${label}完成`}（${secs} 秒）\n`);
    },
  };
}
