// The screen with the camera in a round bubble, as one video stream: both are drawn
// into a canvas the size of the screen, and the canvas's own stream (with the
// microphone, if wanted) is what the recorder records. The returned stream's
// release() stops the sources and the drawing.
"use strict";

window.TidingsOverlay = (() => {
  const FPS = 30;
  const BUBBLE = 0.22;  // of the screen's shorter side
  const MARGIN = 0.03;

  function playing(stream) {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    return new Promise((resolve, reject) => {
      video.addEventListener("loadedmetadata", () => { video.play().then(() => resolve(video), reject); },
        {once: true});
      video.addEventListener("error", () => reject(new Error("The capture could not be played")), {once: true});
    });
  }

  function drawBubble(context, camera, width, height) {
    const side = Math.round(Math.min(width, height) * BUBBLE);
    const margin = Math.round(Math.min(width, height) * MARGIN);
    const x = width - side - margin;
    const y = height - side - margin;
    const crop = Math.min(camera.videoWidth, camera.videoHeight);
    if (!crop) return;
    context.save();
    context.beginPath();
    context.arc(x + side / 2, y + side / 2, side / 2, 0, 2 * Math.PI);
    context.clip();
    context.drawImage(camera, (camera.videoWidth - crop) / 2, (camera.videoHeight - crop) / 2, crop, crop,
      x, y, side, side);
    context.restore();
  }

  async function withCamera(screenStream, withMic) {
    let cameraStream = null;
    try {
      cameraStream = await navigator.mediaDevices.getUserMedia({video: true, audio: Boolean(withMic)});
      const [screen, camera] = await Promise.all([playing(screenStream), playing(cameraStream)]);
      const canvas = document.createElement("canvas");
      canvas.width = screen.videoWidth;
      canvas.height = screen.videoHeight;
      const context = canvas.getContext("2d");
      const draw = () => {
        context.drawImage(screen, 0, 0, canvas.width, canvas.height);
        drawBubble(context, camera, canvas.width, canvas.height);
      };
      draw();
      // A timer, not requestAnimationFrame: that stops while the tab is hidden, which
      // it usually is while someone records another window.
      const timer = window.setInterval(draw, 1000 / FPS);
      const out = new MediaStream([...canvas.captureStream(FPS).getVideoTracks(),
        ...cameraStream.getAudioTracks()]);
      out.release = () => {
        window.clearInterval(timer);
        for (const track of [...screenStream.getTracks(), ...cameraStream.getTracks()]) track.stop();
        screen.srcObject = null;
        camera.srcObject = null;
      };
      return out;
    } catch (error) {
      for (const track of screenStream.getTracks()) track.stop();
      if (cameraStream) for (const track of cameraStream.getTracks()) track.stop();
      throw error;
    }
  }

  return {withCamera};
})();
