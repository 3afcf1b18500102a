// The show page's only script (its Content-Security-Policy allows no inline script):
// clicking a chapter seeks its episode's player to the chapter's start.
document.querySelectorAll("ol.chapters button").forEach(function (button) {
  button.addEventListener("click", function () {
    var audio = button.closest("article").querySelector("audio");
    audio.currentTime = parseFloat(button.dataset.start);
    audio.play();
  });
});
