// Work for the screen is done at most once per animation frame, however many messages arrive.

export interface FrameTask {
  request(): void;
  cancel(): void;
}

export function frameTask(render: () => void): FrameTask {
  let id: number | undefined;
  return {
    request() {
      if (id !== undefined) return;
      id = requestAnimationFrame(() => {
        id = undefined;
        render();
      });
    },
    cancel() {
      if (id !== undefined) cancelAnimationFrame(id);
      id = undefined;
    },
  };
}
