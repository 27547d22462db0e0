// The registration form: every relation row offers the persons now on the page, named as typed
// ("Persoon 2: Sandra Verbeek (slachtoffer)"), also a person added after the row was. The server names them
// the same way when it renders a row (intake.forms.person_labels); this keeps them current while typing.
// A static file: the content security policy allows no inline script.
(() => {
  const relations = document.getElementById("relations");
  const persons = document.getElementById("persons");
  if (!relations || !persons) {
    return;
  }
  const template = relations.dataset.kzPersonLabel || "Person %(n)s";

  const value = (index, name) => {
    const field = persons.querySelector(`[name="persons-${index}-${name}"]`);
    if (!field) {
      return "";
    }
    if (field instanceof HTMLSelectElement) {
      return field.value ? field.selectedOptions[0].textContent.trim().toLowerCase() : "";
    }
    return field.value.trim();
  };

  const labels = () => {
    const count = persons.querySelectorAll("fieldset.kz-person").length;
    const result = [];
    for (let i = 0; i < count; i += 1) {
      const name = ["given_names", "surname_prefix", "surname"].map((f) => value(i, f)).filter(Boolean).join(" ");
      let label = template.replace("%(n)s", String(i + 1));
      if (name) {
        label += `: ${name}`;
        const role = value(i, "role");
        if (role) {
          label += ` (${role})`;
        }
      }
      result.push(label);
    }
    return result;
  };

  const refresh = () => {
    const names = labels();
    relations.querySelectorAll('select[name$="-from_ref"], select[name$="-to_ref"]').forEach((select) => {
      const chosen = select.value;
      names.forEach((label, i) => {
        const ref = `p${i + 1}`;
        let option = Array.from(select.options).find((o) => o.value === ref);
        if (!option) {
          option = new Option(label, ref);
          select.add(option);
        }
        option.textContent = label;
      });
      select.value = chosen;
    });
  };

  persons.addEventListener("input", refresh);
  persons.addEventListener("change", refresh);
  document.body.addEventListener("htmx:afterSettle", refresh);
})();
