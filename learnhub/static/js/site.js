// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // The district list shows only the districts of the chosen city.
  function linkCityToDistricts(citySelect) {
    var districtSelect = document.getElementById(citySelect.dataset.districtSelect);
    if (!districtSelect) { return; }
    function update() {
      var groups = districtSelect.querySelectorAll("optgroup");
      groups.forEach(function (group) {
        var visible = !citySelect.value || group.dataset.city === citySelect.value;
        group.hidden = !visible;
        group.disabled = !visible;
      });
      var chosen = districtSelect.selectedOptions[0];
      if (chosen && chosen.parentElement.disabled) { districtSelect.value = ""; }
    }
    citySelect.addEventListener("change", update);
    update();
  }

  // A show-password button beside every password field.
  function addPasswordToggle(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button password-toggle";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.textContent = document.body.dataset.labelShowPassword;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    input.insertAdjacentElement("afterend", button);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-district-select]").forEach(linkCityToDistricts);
    document.querySelectorAll("input.password-input").forEach(addPasswordToggle);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
