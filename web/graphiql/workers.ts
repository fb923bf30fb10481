/**
 * Monaco (GraphiQL's editor) runs its language services in web workers, which it asks
 * `self.MonacoEnvironment.getWorker` for. GraphiQL ships set-ups for Vite, webpack and
 * esm.sh (a CDN); ours starts the worker bundles that scripts/build-ui.mjs built with esbuild,
 * by the URLs the gateway put in the page config.
 */
export function installMonacoWorkers(workers: Readonly<Record<string, string>>): void {
  self.MonacoEnvironment = {
    getWorker(_workerId, label) {
      const url = workers[label] ?? workers.editor;
      if (!url) throw new Error(`No worker bundle for Monaco label "${label}"`);
      return new Worker(url, { name: label });
    },
  };
}
